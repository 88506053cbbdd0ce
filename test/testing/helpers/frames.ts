/** Request builders and reply readers for raw-socket server tests (wire codec only). */
import {
  Command,
  encodeCommitOffset,
  encodeControl,
  encodeCreateTopicWithRetention,
  encodeFetch,
  encodeFrame,
  encodeSetRetention,
  encodeSubscribe,
  encodeTopicId,
  encodeUnsubscribe,
  Flags,
  parseServerJson,
  writeRecord,
  type Frame,
  type JsonValue,
} from '../../../src/wire';

export const ingest = (
  batchId: number | bigint,
  topicId: number,
  payload: Uint8Array,
  flags: number = Flags.BATCH_MODE,
): Uint8Array => encodeFrame({ flags, batchId: BigInt(batchId), topicId, recordCount: 1, payload });

/** One TLV record (type 0x01) holding `text`. */
export function tlv(text: string | Uint8Array, type = 0x01): Uint8Array {
  const v = typeof text === 'string' ? Buffer.from(text) : text;
  const out = new Uint8Array(5 + v.length);
  writeRecord(out, 0, type, v);
  return out;
}

export const createTopic = (name: string): Uint8Array => encodeControl(Command.CREATE_TOPIC, Buffer.from(name));
export const createTopicWithRetention = (name: string, maxAgeSecs: bigint, maxBytes: bigint): Uint8Array =>
  encodeControl(Command.CREATE_TOPIC_WITH_RETENTION, encodeCreateTopicWithRetention(name, { maxAgeSecs, maxBytes }));
export const listTopics = (): Uint8Array => encodeControl(Command.LIST_TOPICS);
export const getTopic = (id: number): Uint8Array => encodeControl(Command.GET_TOPIC, encodeTopicId(id));
export const deleteTopic = (id: number): Uint8Array => encodeControl(Command.DELETE_TOPIC, encodeTopicId(id));
export const setRetention = (topicId: number, maxAgeSecs: bigint, maxBytes: bigint): Uint8Array =>
  encodeControl(Command.SET_RETENTION, encodeSetRetention({ topicId, maxAgeSecs, maxBytes }));
export const fetch = (topicId: number, offset: bigint | number, maxBytes: number): Uint8Array =>
  encodeControl(Command.FETCH, encodeFetch({ topicId, offset: BigInt(offset), maxBytes }));
export const subscribe = (topicId: number, startOffset: bigint, consumerId: bigint): Uint8Array =>
  encodeControl(Command.SUBSCRIBE, encodeSubscribe({ topicId, startOffset, maxBatchBytes: 65536, consumerId }));
export const unsubscribe = (topicId: number, consumerId: bigint): Uint8Array =>
  encodeControl(Command.UNSUBSCRIBE, encodeUnsubscribe({ topicId, consumerId }));
export const commitOffset = (topicId: number, consumerId: bigint, offset: bigint): Uint8Array =>
  encodeControl(Command.COMMIT_OFFSET, encodeCommitOffset({ topicId, consumerId, offset }));
export const keepalive = (): Uint8Array => encodeFrame({ flags: Flags.KEEPALIVE });

export const commandOfFrame = (f: Frame): number => Number(f.batchId & 0xffn);
export const isAck = (f: Frame, batchId?: number | bigint): boolean =>
  f.flags === Flags.ACK && (batchId === undefined || f.batchId === BigInt(batchId));

/** The text of an ErrorResponse; throws if `f` is not one. */
export function errorText(f: Frame): string {
  if (f.flags !== Flags.CONTROL || commandOfFrame(f) !== Command.ERROR_RESPONSE) {
    throw new Error(
      `expected an ErrorResponse, got flags 0x${f.flags.toString(16)} command 0x${commandOfFrame(f).toString(16)}`,
    );
  }
  return Buffer.from(f.payload).toString('utf8');
}

export function json(f: Frame): { [k: string]: JsonValue } {
  return parseServerJson(f.payload) as { [k: string]: JsonValue };
}

export const text = (f: Frame): string => Buffer.from(f.payload).toString('utf8');
export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
