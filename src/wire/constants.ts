/** Wire constants of LWP v1 (PROTOCOL.md §1.2, §2.1, §2.2). */

export const MAGIC = Uint8Array.of(0x4c, 0x41, 0x4e, 0x43); // "LANC"
export const PROTOCOL_VERSION = 1;
export const HEADER_SIZE = 44;
export const DEFAULT_PORT = 1992;
/** The server's default `max_payload_size`; exactly this many bytes is still accepted (§1.4). */
export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024;
/**
 * How far a client's reply limit may grow for the replies it asked for (a FetchResponse is 16 bytes
 * + `max_bytes`): 64 MiB of fetch data plus that header. A bound on what a peer can make us buffer.
 */
export const MAX_GROWN_PAYLOAD = 64 * 1024 * 1024 + 16;
/** `u64::MAX`: the Fetch "tail" sentinel (§2.3.11). */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Header flag bits (§2.1). */
export const Flags = {
  COMPRESSED: 0x01,
  ENCRYPTED: 0x02,
  BATCH_MODE: 0x04,
  ACK: 0x08,
  BACKPRESSURE: 0x10,
  KEEPALIVE: 0x20,
  CONTROL: 0x40,
} as const;

/** Control command codes, carried in the low byte of `batch_id` of a Control frame (§2.2). */
export const Command = {
  CREATE_TOPIC: 0x01,
  DELETE_TOPIC: 0x02,
  LIST_TOPICS: 0x03,
  GET_TOPIC: 0x04,
  SET_RETENTION: 0x05,
  CREATE_TOPIC_WITH_RETENTION: 0x06,
  GET_CLUSTER_STATUS: 0x07,
  AUTHENTICATE: 0x08,
  AUTHENTICATE_RESPONSE: 0x09,
  FETCH: 0x10,
  FETCH_RESPONSE: 0x11,
  CATCHING_UP: 0x12,
  SUBSCRIBE: 0x20,
  UNSUBSCRIBE: 0x21,
  COMMIT_OFFSET: 0x22,
  SUBSCRIBE_ACK: 0x23,
  COMMIT_ACK: 0x24,
  TOPIC_RESPONSE: 0x80,
  CLUSTER_STATUS_RESPONSE: 0x81,
  ERROR_RESPONSE: 0xff,
} as const;

export type CommandCode = (typeof Command)[keyof typeof Command];
