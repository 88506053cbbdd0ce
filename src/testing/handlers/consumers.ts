/**
 * Consumer bookkeeping (PROTOCOL.md §2.3.13–2.3.15). Nothing is ever pushed after a Subscribe.
 *
 *   Subscribe (0x20)     topic_id u32 | start_offset u64 | max_batch_bytes u32 | consumer_id u64  → SubscribeAck (0x23) consumer_id u64 | start_offset u64
 *   Unsubscribe (0x21)   topic_id u32 | consumer_id u64                                            → an ACK frame (flags 0x08) with batch_id = consumer_id
 *   CommitOffset (0x22)  topic_id u32 | consumer_id u64 | offset u64                               → CommitAck (0x24) consumer_id u64 | committed_offset u64
 *
 * Errors: "Invalid subscribe payload" (< 24), "Invalid unsubscribe payload" (< 12), "Invalid commit
 * offset payload" (< 20), "Topic not found" (Subscribe to an unknown non-zero topic).
 */
import {
  Command,
  decodeCommitOffset,
  decodeSubscribe,
  decodeUnsubscribe,
  encodeAck,
  encodeCommitAck,
  encodeControl,
  encodeSubscribeAck,
} from '../../wire/index.js';
import { ReplyError } from '../errors.js';
import type { ControlHandler } from './context.js';

export const subscribe: ControlHandler = (payload, ctx) => {
  if (payload.length < 24) throw new ReplyError('Invalid subscribe payload');
  const r = decodeSubscribe(payload);
  if (r.topicId !== 0 && !ctx.store.has(r.topicId)) throw new ReplyError('Topic not found');
  const startOffset = ctx.consumers.subscribe(r.topicId, r.consumerId, r.startOffset);
  return encodeControl(Command.SUBSCRIBE_ACK, encodeSubscribeAck({ consumerId: r.consumerId, startOffset }));
};

export const unsubscribe: ControlHandler = (payload, ctx) => {
  if (payload.length < 12) throw new ReplyError('Invalid unsubscribe payload');
  const r = decodeUnsubscribe(payload);
  ctx.consumers.unsubscribe(r.topicId, r.consumerId);
  return encodeAck(r.consumerId);
};

export const commitOffset: ControlHandler = (payload, ctx) => {
  if (payload.length < 20) throw new ReplyError('Invalid commit offset payload');
  const r = decodeCommitOffset(payload);
  ctx.consumers.commit(r.topicId, r.consumerId, r.offset);
  return encodeControl(Command.COMMIT_ACK, encodeCommitAck({ consumerId: r.consumerId, committedOffset: r.offset }));
};
