/**
 * Fetch (0x10) → FetchResponse (0x11) / CatchingUp (0x12) / Error (PROTOCOL.md §2.3.11–2.3.12).
 *
 *   Fetch          topic_id u32 | start_offset u64 (u64::MAX = tail) | max_bytes u32  (extra bytes ignored)
 *   FetchResponse  next_offset u64 | bytes_returned u32 | record_count u32 (0/1) | data
 *   CatchingUp     server_offset u64 (the topic's total bytes)
 *
 * Order: no payload → "Fetch request payload required"; < 16 bytes → "Protocol error: Fetch request
 * payload too small"; rate limiter → "Rate limit exceeded"; unknown topic (topic 0 too) →
 * "Topic <id> not found"; u64::MAX → empty response at the end; read up to max_bytes (cut mid-record
 * if need be); nothing read and 0 < start_offset > end → CatchingUp(end); else FetchResponse.
 */
import { Command, decodeFetch, encodeCatchingUp, encodeControl, U64_MAX } from '../../wire/index.js';
import { ReplyError } from '../errors.js';
import { fetchResponseFrame } from '../replies.js';
import type { ControlHandler } from './context.js';

export const fetch: ControlHandler = (payload, ctx) => {
  if (payload.length === 0) throw new ReplyError('Fetch request payload required');
  if (payload.length < 16) throw new ReplyError('Protocol error: Fetch request payload too small');
  const req = decodeFetch(payload);
  if (ctx.faults.takeRateLimit()) throw new ReplyError('Rate limit exceeded');
  const topic = ctx.store.get(req.topicId);
  if (ctx.faults.takeCatchingUp()) {
    const offset = ctx.faults.catchingUpOffset ?? BigInt(topic?.log.total ?? 0);
    return encodeControl(Command.CATCHING_UP, encodeCatchingUp(offset));
  }
  if (topic === undefined) throw new ReplyError(`Topic ${req.topicId} not found`);
  const log = topic.log;
  const end = log.total;
  if (req.offset === U64_MAX) return fetchResponseFrame(BigInt(end), log, 0, 0);
  if (req.offset > BigInt(end)) return encodeControl(Command.CATCHING_UP, encodeCatchingUp(BigInt(end)));
  const offset = Number(req.offset);
  const n = log.readLength(offset, req.maxBytes);
  return fetchResponseFrame(req.offset + BigInt(n), log, offset, n);
};
