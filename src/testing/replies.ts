/**
 * Frames the server sends (PROTOCOL.md §1.6): flags 0x08 Ack, 0x20 Keepalive, 0x40 Control with the
 * response code in batch_id; timestamp, record_count and topic_id are always 0.
 */
import {
  Command,
  encodeAck,
  encodeControl,
  encodeKeepalive,
  encodeServerJson,
  FETCH_RESPONSE_HEADER,
  Flags,
  HEADER_SIZE,
  sealFrame,
  type JsonValue,
} from '../wire/index.js';
import type { TopicLog } from './topic-log.js';

/** ErrorResponse: code 0xFF, payload = the UTF-8 text, nothing else (§3.1). */
export const errorFrame = (text: string): Uint8Array =>
  encodeControl(Command.ERROR_RESPONSE, Buffer.from(text, 'utf8'));

/** A JSON reply; keys sorted like serde_json's BTreeMap unless the server uses a struct (§2.2). */
export const jsonFrame = (command: number, value: JsonValue, sortKeys = true): Uint8Array =>
  encodeControl(command, encodeServerJson(value, sortKeys));

/** The keepalive echo is the client's all-zero keepalive, byte for byte (§2.3.2). */
export const KEEPALIVE_FRAME = encodeKeepalive();

const ACK_TEMPLATE = encodeAck(0n);

/**
 * FetchResponse (§2.3.11): next_offset u64 | bytes_returned u32 | record_count u32 (1 if data else 0) | data.
 * Built in place: the data is copied once, from the log into the frame.
 */
export function fetchResponseFrame(
  nextOffset: bigint,
  log: TopicLog | undefined,
  offset: number,
  n: number,
): Uint8Array {
  const buf = Buffer.allocUnsafe(HEADER_SIZE + FETCH_RESPONSE_HEADER + n);
  buf.writeBigUInt64LE(nextOffset, HEADER_SIZE);
  buf.writeUInt32LE(n, HEADER_SIZE + 8);
  buf.writeUInt32LE(n > 0 ? 1 : 0, HEADER_SIZE + 12);
  if (n > 0) log!.readInto(offset, n, buf, HEADER_SIZE + FETCH_RESPONSE_HEADER);
  return sealFrame(buf, { flags: Flags.CONTROL, batchId: BigInt(Command.FETCH_RESPONSE) });
}

/**
 * All acks of one read in one buffer (one `socket.write`): each is the Ack template with the batch_id
 * bytes copied from the ingest's own header, so no bigint is ever made on the ingest path.
 */
export function ackFrames(headers: readonly Uint8Array[], offsets: readonly number[]): Buffer {
  const n = headers.length;
  const out = Buffer.allocUnsafe(n * HEADER_SIZE);
  out.set(ACK_TEMPLATE, 0);
  for (let filled = HEADER_SIZE; filled < out.length; filled *= 2)
    out.copyWithin(filled, 0, Math.min(filled, out.length - filled));
  for (let i = 0; i < n; i++) {
    const h = headers[i]!;
    const from = offsets[i]! + 12;
    const to = i * HEADER_SIZE + 12;
    for (let k = 0; k < 8; k++) out[to + k] = h[from + k]!;
  }
  return out;
}
