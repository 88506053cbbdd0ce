/**
 * A batch's `lnc-client:produce` trace: one per send attempt, from its frame written to its ack,
 * its failure, or the lost session that sends it again (then the attempt ends with that error and
 * the resend is a new trace with `attempt + 1`).
 */
import { type ProduceDiagnostic, produceChannel, traceSent, traceSettled } from '../diagnostics.js';
import type { Batch } from './batch.js';

/** Call just before the frame is written; a no-op while nobody listens. */
export function traceBatchSent(b: Batch, server: string, bufferedBytes: number): void {
  if (!produceChannel.hasSubscribers) return;
  const context: ProduceDiagnostic = {
    topicId: b.topicId,
    records: b.count,
    bytes: b.tlvBytes,
    batchId: BigInt(b.batchId),
    attempt: b.attempts,
    server,
    bufferedBytes,
  };
  b.trace = context;
  traceSent(produceChannel, context);
}

/** The attempt's outcome: acked (no error), failed, or lost with its session (the error). */
export function traceBatchSettled(b: Batch, bufferedBytes: number, error?: unknown): void {
  const context = b.trace;
  if (context === undefined) return;
  b.trace = undefined;
  context.bufferedBytes = bufferedBytes;
  traceSettled(produceChannel, context, error);
}
