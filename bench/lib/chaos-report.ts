/** A `ChaosReport` as a human-readable table (the soak prints it after the JSON line). */
import type { ChaosReport } from './chaos-report-types';

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const kv = (o: Record<string, number>): string =>
  Object.entries(o)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || '-';

export function formatReport(r: ChaosReport): string {
  const rows: [string, string][] = [
    ['verdict', r.ok ? 'PASS' : `FAIL (${r.failures.length})`],
    [
      'seed / duration',
      `${r.seed} / ${(r.durationMs / 1000).toFixed(0)} s (elapsed ${(r.elapsedMs / 1000).toFixed(1)} s)`,
    ],
    [
      'rate target / achieved',
      `${r.recordsPerSecond} / ${r.achievedRate} records/s (skipped by pacing: ${r.paceSkipped})`,
    ],
    ['produced', String(r.produced)],
    ['acked / failed / rejected', `${r.acked} / ${r.failed} / ${r.rejected}`],
    ['consumed (distinct / copies)', `${r.consumed} / ${r.consumedCopies}`],
    ['lost / lost from log / gaps', `${r.lost} / ${r.lostFromLog} / ${r.gaps}`],
    [
      'duplicates / bound',
      `${r.duplicates} / ${r.duplicateBound} (resent batches ${r.resentBatches}, max attempts ${r.maxAttempts}, excess ${r.excessDuplicates})`,
    ],
    ['out of order / consumed unacked', `${r.outOfOrder} / ${r.consumedUnacked}`],
    ['foreign (consumed / stored), tail', `${r.foreign} / ${r.storedForeign}, ${r.storedTail} B`],
    ['outcome violations', String(r.outcomeViolations)],
    ['reconnects producer / consumer', `${r.reconnects.producer} / ${r.reconnects.consumer}`],
    ['producer causes', kv(r.producerRole.causes)],
    ['producer connections', kv(r.producerRole.connections)],
    ['consumer causes', kv(mergeCounts(r.consumerRoles.map((c) => c.causes)))],
    [
      'producer stats',
      `batches ${r.producerStats.batches}, frames ${r.producerStats.framesSent}, retries ${r.producerStats.retries}, sessions ${r.producerStats.sessions}`,
    ],
    ['faults', kv(r.faultCounts)],
    ['promises tracked / pending', `${r.promisesTracked} / ${r.pendingPromises.length}`],
    ['leaked handles', r.leakedHandles.join(', ') || '-'],
    ['bufferedBytes max / bound', `${mib(r.memory.maxBufferedBytes)} / ${mib(r.memory.bufferMemory)}`],
    [
      'heap baseline / max / end',
      `${mib(r.memory.heapBaseline)} / ${mib(r.memory.heapMax)} / ${mib(r.memory.heapEnd)} (growth ${mib(r.memory.heapGrowth)}, bound ${mib(r.memory.maxHeapGrowthBytes)})`,
    ],
    ['end phase (close + drain)', `${r.drainMs} ms`],
  ];
  for (const e of r.consumerErrors) rows.push(['consumer error', e]);
  for (const e of r.harnessErrors) rows.push(['harness error', e]);
  for (const f of r.failures) rows.push(['FAILURE', f]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

function mergeCounts(xs: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) for (const [k, v] of Object.entries(x)) out[k] = (out[k] ?? 0) + v;
  return out;
}
