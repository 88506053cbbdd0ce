/**
 * Server-side consumer bookkeeping (PROTOCOL.md §2.3.13–2.3.15). Nothing is ever pushed.
 *
 *   Subscribe (0x20)      topic_id u32 | start_offset u64 | max_batch_bytes u32 | consumer_id u64
 *   SubscribeAck (0x23)   consumer_id u64 | start_offset u64
 *   Unsubscribe (0x21)    topic_id u32 | consumer_id u64   → an Ack frame whose batch_id = consumer_id
 *   CommitOffset (0x22)   topic_id u32 | consumer_id u64 | offset u64
 *   CommitAck (0x24)      consumer_id u64 | committed_offset u64
 */
import { readU32, readU64, writeU32, writeU64 } from '../bytes.js';
import { requireLength } from './reader.js';

export interface SubscribeRequest {
  readonly topicId: number;
  readonly startOffset: bigint;
  readonly maxBatchBytes: number;
  readonly consumerId: bigint;
}

export function encodeSubscribe(r: SubscribeRequest): Uint8Array {
  const b = new Uint8Array(24);
  writeU32(b, 0, r.topicId);
  writeU64(b, 4, r.startOffset);
  writeU32(b, 12, r.maxBatchBytes);
  writeU64(b, 16, r.consumerId);
  return b;
}

export function decodeSubscribe(p: Uint8Array): SubscribeRequest {
  requireLength(p, 24, 'Subscribe');
  return {
    topicId: readU32(p, 0),
    startOffset: readU64(p, 4),
    maxBatchBytes: readU32(p, 12),
    consumerId: readU64(p, 16),
  };
}

export interface SubscribeAck {
  readonly consumerId: bigint;
  readonly startOffset: bigint;
}

export function encodeSubscribeAck(a: SubscribeAck): Uint8Array {
  return pair(a.consumerId, a.startOffset);
}

export function decodeSubscribeAck(p: Uint8Array): SubscribeAck {
  requireLength(p, 16, 'SubscribeAck');
  return { consumerId: readU64(p, 0), startOffset: readU64(p, 8) };
}

export interface UnsubscribeRequest {
  readonly topicId: number;
  readonly consumerId: bigint;
}

export function encodeUnsubscribe(r: UnsubscribeRequest): Uint8Array {
  const b = new Uint8Array(12);
  writeU32(b, 0, r.topicId);
  writeU64(b, 4, r.consumerId);
  return b;
}

export function decodeUnsubscribe(p: Uint8Array): UnsubscribeRequest {
  requireLength(p, 12, 'Unsubscribe');
  return { topicId: readU32(p, 0), consumerId: readU64(p, 4) };
}

export interface CommitOffsetRequest {
  readonly topicId: number;
  readonly consumerId: bigint;
  readonly offset: bigint;
}

export function encodeCommitOffset(r: CommitOffsetRequest): Uint8Array {
  const b = new Uint8Array(20);
  writeU32(b, 0, r.topicId);
  writeU64(b, 4, r.consumerId);
  writeU64(b, 12, r.offset);
  return b;
}

export function decodeCommitOffset(p: Uint8Array): CommitOffsetRequest {
  requireLength(p, 20, 'CommitOffset');
  return { topicId: readU32(p, 0), consumerId: readU64(p, 4), offset: readU64(p, 12) };
}

export interface CommitAck {
  readonly consumerId: bigint;
  readonly committedOffset: bigint;
}

export function encodeCommitAck(a: CommitAck): Uint8Array {
  return pair(a.consumerId, a.committedOffset);
}

export function decodeCommitAck(p: Uint8Array): CommitAck {
  requireLength(p, 16, 'CommitAck');
  return { consumerId: readU64(p, 0), committedOffset: readU64(p, 8) };
}

function pair(a: bigint, b: bigint): Uint8Array {
  const out = new Uint8Array(16);
  writeU64(out, 0, a);
  writeU64(out, 8, b);
  return out;
}
