/**
 * Ingest (any frame classified as ingest, §1.5) → Ack (flags 0x08, batch_id echoed) once durable
 * (PROTOCOL.md §2.3.1). Steps, in the server's order (`fn handle_ingest_frame`):
 *
 *   1. auth gate (only when tokens are configured)       → "Authentication required", no ack
 *   2. cluster forwarding (only as an injected fault)    → "FORWARD_FAILED: ..." / "NOT_LEADER: ...", no ack
 *   3. topic_id ≠ 0 and unknown                          → "Unknown topic", no ack (topic 0 is never checked)
 *   4. empty payload                                     → dropped silently: no ack, no error
 *   5. append the payload verbatim (the Compressed flag is ignored, §5) → the ack is deferred (§6.2)
 *
 * The connection stays open after each of these errors.
 */
import { ReplyError } from '../errors.js';
import type { ServerFrame } from '../frame-reader.js';
import type { ConnectionState, HandlerContext } from './context.js';

/** Returns true when the payload was appended and an ack is owed; throws `ReplyError` for steps 1–3. */
export function ingest(frame: ServerFrame, ctx: HandlerContext, conn: ConnectionState): boolean {
  if (ctx.authTokens !== undefined && !conn.authenticated) throw new ReplyError('Authentication required');
  const faulted = ctx.faults.requestError('writes');
  if (faulted !== undefined) throw new ReplyError(faulted);
  const log = ctx.store.logForIngest(frame.topicId);
  if (log === undefined) throw new ReplyError('Unknown topic');
  if (frame.payloadLength === 0) return false;
  log.append(frame.parts, frame.payloadLength);
  return true;
}
