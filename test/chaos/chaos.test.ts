/**
 * The chaos run inside `npm test`: bench/lib/chaos-run.ts (the harness `bench/soak.ts` runs for
 * minutes) for 50 s with a fixed seed, whose schedule deals every fault kind at least once. The
 * schedule is a pure function of the seed, so a failure replays with the same seed:
 * `CHAOS_SEED=2 npx jest test/chaos` (or `npx ts-node bench/soak.ts --minutes 1 --seed 2`).
 */
import type { ProduceOutcome } from '../../src/index';
import { ClosedError } from '../../src/index';
import { Ledger } from '../../bench/lib/chaos-ledger';
import { formatReport } from '../../bench/lib/chaos-report';
import { runChaos } from '../../bench/lib/chaos-run';
import { FAULT_KINDS, buildSchedule } from '../../bench/lib/chaos-schedule';

const SEED = Number(process.env['CHAOS_SEED'] ?? 2);
const DURATION_MS = 50_000;
const DETECT_MS = 1_000 + 2_000; // the harness's keepaliveMs + requestTimeoutMs

describe('chaos schedule', () => {
  it('is a pure function of the seed', () => {
    const a = buildSchedule({ seed: 7, durationMs: 120_000, detectMs: DETECT_MS });
    expect(buildSchedule({ seed: 7, durationMs: 120_000, detectMs: DETECT_MS })).toEqual(a);
    expect(buildSchedule({ seed: 8, durationMs: 120_000, detectMs: DETECT_MS })).not.toEqual(a);
  });

  it("deals every fault kind in the test's run, one at a time, inside the run", () => {
    const s = buildSchedule({ seed: SEED, durationMs: DURATION_MS, detectMs: DETECT_MS });
    expect(new Set(s.map((e) => e.kind))).toEqual(new Set(FAULT_KINDS));
    for (let i = 1; i < s.length; i++) expect(s[i]!.atMs).toBeGreaterThan(s[i - 1]!.atMs + s[i - 1]!.holdMs);
    expect(s[s.length - 1]!.atMs + s[s.length - 1]!.holdMs).toBeLessThanOrEqual(DURATION_MS - 2_000);
    // A blackhole outlasts dead-peer detection, so only the keepalive can end it.
    for (const e of s) if (e.kind === 'blackhole') expect(e.holdMs).toBeGreaterThan(DETECT_MS);
  });
});

describe('chaos ledger', () => {
  const acked = (firstSeq: number, count: number, attempts: number): ProduceOutcome => ({
    type: 'acked',
    topicId: 1,
    firstSeq,
    count,
    batchId: 1n,
    epoch: 1,
    bytes: 0,
    attempts,
  });

  it('counts lost, gaps, duplicates against the resend bound, and out-of-order first copies', () => {
    const l = new Ledger();
    l.produced = 6;
    l.outcomeOf(acked(0, 2, 1));
    l.outcomeOf(acked(2, 2, 2)); // resent once: may be stored twice
    l.outcomeOf({ type: 'failed', topicId: 1, firstSeq: 4, count: 1, error: new ClosedError('x') });
    l.outcomeOf(acked(5, 1, 1));
    expect(l.missingAcked()).toBe(5);
    for (const seq of [0, 2, 3, 1, 2, 3, 5, 5]) l.consumedSeq(seq);
    expect(l.missingAcked()).toBe(0);
    expect(l.totals()).toMatchObject({
      acked: 5,
      failed: 1,
      consumed: 5,
      consumedCopies: 8,
      lost: 0,
      gaps: 0, // 4 failed: not a gap
      duplicates: 3,
      duplicateBound: 2,
      excessDuplicates: 1, // seq 5 was sent once and consumed twice
      outOfOrder: 1, // 1 after 3
      outcomeViolations: 0,
    });
  });

  it('tells lost records, records lost by the server, and outcome violations apart', () => {
    const l = new Ledger();
    l.produced = 4;
    l.outcomeOf(acked(0, 3, 1));
    l.outcomeOf(acked(2, 1, 1)); // seq 2 gets two outcomes; seq 3 none
    l.consumedSeq(0);
    l.consumedSeq(2);
    l.storedSeq(0);
    l.storedSeq(1);
    expect(l.totals()).toMatchObject({ lost: 1, gaps: 1, lostFromLog: 1, outcomeViolations: 2 });
  });
});

describe('chaos run', () => {
  it(`keeps every acked record through ${DURATION_MS / 1000} s of seeded faults (seed ${SEED})`, async () => {
    const report = await runChaos({ durationMs: DURATION_MS, seed: SEED, recordsPerSecond: 500 });
    if (!report.ok) console.error(`${JSON.stringify(report)}\n${formatReport(report)}`);
    expect(report.failures).toEqual([]);
    // The same invariants, spelled out.
    expect(report.produced).toBeGreaterThan(DURATION_MS / 4);
    expect(report.acked).toBe(report.produced);
    expect(report.lost).toBe(0);
    expect(report.lostFromLog).toBe(0);
    expect(report.gaps).toBe(0);
    expect(report.duplicates).toBeLessThanOrEqual(report.duplicateBound);
    expect(report.excessDuplicates).toBe(0);
    expect(report.outcomeViolations).toBe(0);
    expect(report.pendingPromises).toEqual([]);
    expect(report.leakedHandles).toEqual([]);
    expect(report.memory.maxBufferedBytes).toBeLessThanOrEqual(report.memory.bufferMemory);
    // It really was chaotic: both roles reconnected, the keepalive found a dead peer, the
    // producer followed a redirect, and something was resent.
    expect(report.reconnects.producer).toBeGreaterThan(0);
    expect(report.reconnects.consumer).toBeGreaterThan(0);
    const causes = [report.producerRole.causes, ...report.consumerRoles.map((r) => r.causes)];
    expect(causes.some((c) => (c['keepalive timeout (dead peer)'] ?? 0) > 0)).toBe(true);
    expect(report.producerRole.connections['leader-proxy']).toBeGreaterThan(0);
    expect(report.producerStats.retries).toBeGreaterThan(0);
    expect(Object.keys(report.faultCounts).sort()).toEqual([...FAULT_KINDS].sort());
  }, 150_000);
});
