/**
 * Topic administration payloads (PROTOCOL.md §2.3.3–2.3.8).
 *
 *   CreateTopic (0x01)               name UTF-8, no length prefix
 *   CreateTopicWithRetention (0x06)  name_len u16 | name | max_age_secs u64 | max_bytes u64
 *   GetTopic (0x04), DeleteTopic (0x02)  topic_id u32
 *   SetRetention (0x05)              topic_id u32 | max_age_secs u64 | max_bytes u64
 *   ListTopics (0x03)                no payload
 */
import { fromUtf8, readU16, readU32, readU64, utf8, writeU16, writeU32, writeU64 } from '../bytes.js';
import { InvalidArgumentError } from '../errors.js';
import { requireLength } from './reader.js';

export interface RetentionValues {
  readonly maxAgeSecs: bigint;
  readonly maxBytes: bigint;
}

export const encodeCreateTopic = (name: string): Uint8Array => utf8(name);
export const decodeCreateTopic = (payload: Uint8Array): string => fromUtf8(payload);

export function encodeCreateTopicWithRetention(name: string, r: RetentionValues): Uint8Array {
  const n = utf8(name);
  if (n.length > 0xffff) throw new InvalidArgumentError('topic name longer than 65535 bytes');
  const b = new Uint8Array(2 + n.length + 16);
  writeU16(b, 0, n.length);
  b.set(n, 2);
  writeU64(b, 2 + n.length, r.maxAgeSecs);
  writeU64(b, 10 + n.length, r.maxBytes);
  return b;
}

export interface CreateTopicWithRetentionRequest extends RetentionValues {
  readonly name: string;
}

export function decodeCreateTopicWithRetention(p: Uint8Array): CreateTopicWithRetentionRequest {
  requireLength(p, 18, 'CreateTopicWithRetention');
  const n = readU16(p, 0);
  requireLength(p, 2 + n + 16, 'CreateTopicWithRetention');
  return { name: fromUtf8(p.subarray(2, 2 + n)), maxAgeSecs: readU64(p, 2 + n), maxBytes: readU64(p, 10 + n) };
}

export function encodeTopicId(topicId: number): Uint8Array {
  const b = new Uint8Array(4);
  writeU32(b, 0, topicId);
  return b;
}

/** The server reads a short payload as topic id 0 (§2.3.6). */
export const decodeTopicId = (p: Uint8Array): number => (p.length < 4 ? 0 : readU32(p, 0));

export interface SetRetentionRequest extends RetentionValues {
  readonly topicId: number;
}

export function encodeSetRetention(r: SetRetentionRequest): Uint8Array {
  const b = new Uint8Array(20);
  writeU32(b, 0, r.topicId);
  writeU64(b, 4, r.maxAgeSecs);
  writeU64(b, 12, r.maxBytes);
  return b;
}

export function decodeSetRetention(p: Uint8Array): SetRetentionRequest {
  requireLength(p, 20, 'SetRetention');
  return { topicId: readU32(p, 0), maxAgeSecs: readU64(p, 4), maxBytes: readU64(p, 12) };
}
