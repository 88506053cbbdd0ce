/** Every invariant a chaos run must keep (see chaos-run.ts); each broken one is a line of `failures`. */
import type { ChaosReport, ExecutedFault } from './chaos-report-types';
import { mib } from './chaos-util';

export type ReportBeforeVerdict = Omit<ChaosReport, 'ok' | 'failures'> & {
  readonly acksCompleted: boolean;
  readonly firstMissing: number | undefined;
};

export function verdict(r: ReportBeforeVerdict, executed: readonly ExecutedFault[]): string[] {
  const f: string[] = [];
  if (r.lostFromLog > 0)
    f.push(`${r.lostFromLog} acked records are missing from the server's stored log (server durability bug)`);
  if (r.lost > 0) f.push(`${r.lost} acked records were never consumed (first: seq ${r.firstMissing})`);
  if (r.storedForeign > 0 || r.storedTail > 0)
    f.push(`the stored log holds ${r.storedForeign} foreign records and ${r.storedTail} trailing bytes`);
  if (r.gaps > 0) f.push(`${r.gaps} records missing below the highest consumed seq`);
  if (r.duplicates > r.duplicateBound) f.push(`${r.duplicates} duplicates > ${r.duplicateBound} records resent`);
  if (r.excessDuplicates > 0) f.push(`${r.excessDuplicates} copies beyond their batch's send count`);
  // Order breaks only when the server refused one pipelined ingest and stored the next ones
  // (FORWARD_FAILED / NOT_LEADER: the refused batch is resent after them). Lost connections and
  // lost acks only repeat a suffix, in order.
  if (r.outOfOrder > 0 && !executed.some((e) => e.kind === 'forward-failed' || e.kind === 'not-leader')) {
    f.push(`${r.outOfOrder} records arrived out of order with no ingest refused by the server`);
  }
  if (r.outcomeViolations > 0) f.push(`${r.outcomeViolations} records without exactly one outcome`);
  if (!r.acksCompleted) f.push('acks$ did not complete after close()');
  if (r.failed > 0) f.push(`${r.failed} records failed: ${r.failureErrors.join('; ')}`);
  if (r.rejected > 0) f.push(`${r.rejected} records rejected at next()`);
  if (r.foreign > 0) f.push(`${r.foreign} consumed records are not ours`);
  if (r.consumerErrors.length > 0)
    f.push(`the consumer stream errored ${r.consumerErrors.length}×: ${r.consumerErrors.join('; ')}`);
  if (r.harnessErrors.length > 0) f.push(`harness: ${r.harnessErrors.join('; ')}`);
  if (r.pendingPromises.length > 0) f.push(`promises never settled: ${r.pendingPromises.join(', ')}`);
  if (r.leakedHandles.length > 0) f.push(`handles left open: ${r.leakedHandles.join(', ')}`);
  if (r.memory.maxBufferedBytes > r.memory.bufferMemory)
    f.push(`bufferedBytes reached ${r.memory.maxBufferedBytes} > bufferMemory ${r.memory.bufferMemory}`);
  if (r.memory.heapGrowth > r.memory.maxHeapGrowthBytes)
    f.push(`heap grew ${mib(r.memory.heapGrowth)} > ${mib(r.memory.maxHeapGrowthBytes)}`);
  // The harness must really have hurt the client: guards against a schedule or role guess gone wrong.
  const hits = (side: 'producer' | 'consumer'): number =>
    executed.filter(
      (e) =>
        e.kind === 'restart' ||
        e.kind === 'crash-restart' ||
        (e.kind === 'proxy-reset' && e.side !== (side === 'producer' ? 'consumer' : 'producer')),
    ).length;
  if (hits('producer') > 0 && r.reconnects.producer === 0)
    f.push('connection faults hit the producer but its role never reconnected (wrong role?)');
  if (hits('consumer') > 0 && r.reconnects.consumer === 0)
    f.push('connection faults hit the consumer but its role never reconnected (wrong role?)');
  if (executed.some((e) => e.kind === 'not-leader') && (r.producerRole.connections['leader-proxy'] ?? 0) === 0) {
    f.push('NOT_LEADER faults ran but the producer never connected to the redirect target');
  }
  return f;
}
