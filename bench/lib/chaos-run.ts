/**
 * The chaos harness: one producer and one consumer against an embedded LanceServer with a data
 * dir, each through its own FaultProxy (chaos-topology.ts), while a seeded schedule of faults runs
 * (chaos-schedule.ts, injected by chaos-inject.ts) under the workloads of chaos-drivers.ts.
 * Used by `test/chaos/chaos.test.ts` (short, inside `npm test`) and `bench/soak.ts` (long).
 *
 * At the end the producer is closed (every record settled), the consumer drains, everything is
 * torn down, and `ChaosReport.failures` lists every broken invariant (empty = pass; chaos-verdict.ts):
 *
 * - every acked record is consumed (lost = 0) and there are no gaps;
 * - duplicates only come from resends: each record is consumed at most as many times as its batch
 *   was sent (`attempts`), so duplicates ≤ Σ count × (attempts − 1) over acked batches;
 * - records arrive in order unless the server refused a pipelined ingest (FORWARD_FAILED, NOT_LEADER);
 * - every acked record is in the server's stored log at the end, crash restarts included (lostFromLog);
 * - every record has exactly one outcome; no record failed or was rejected (retries are unbounded,
 *   the pacing keeps room in the buffer); the consumer stream never errored;
 * - every `flush()`/`close()` promise settled; no socket or timer is left after teardown;
 * - `producer.bufferedBytes` stayed ≤ `bufferMemory`, and heap growth stayed under a bound.
 */
import type { Subscription } from 'rxjs';
import { Lance, type LanceOptions } from '../../src/index';
import { nextConsumerRole } from '../../src/rx/consumer/role';
import { nextProducerRole } from '../../src/rx/producer/roles';
import { driveConsumer, driveProducer, MIN_RECORD_BYTES, seqReader } from './chaos-drivers';
import { describeFault, injectFault } from './chaos-inject';
import { Ledger } from './chaos-ledger';
import type { ChaosOptions, ChaosReport, ExecutedFault } from './chaos-report-types';
import { type RoleTracker, errorText, nextRoleAfter, roleReport, watchRole } from './chaos-roles';
import { type FaultKind, buildSchedule, seededRandom } from './chaos-schedule';
import { startTopology } from './chaos-topology';
import { PromiseTracker, activeResources, resourcesAbove, scanLog, sleep, withDeadline } from './chaos-util';
import { verdict } from './chaos-verdict';

export type { ChaosOptions, ChaosReport, ExecutedFault, RoleReport } from './chaos-report-types';

/** Runs one chaos scenario; never throws for a broken invariant (see `failures`), only for a broken setup. */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => undefined);
  const recordBytes = Math.max(MIN_RECORD_BYTES, o.recordBytes ?? 100);
  const bufferMemory = o.bufferMemory ?? 4 * 1024 * 1024;
  const keepaliveMs = o.keepaliveMs ?? 1_000;
  const requestTimeoutMs = o.requestTimeoutMs ?? 2_000;
  const maxHeapGrowthBytes = o.maxHeapGrowthBytes ?? 128 * 1024 * 1024;
  const allowed = new Set<FaultKind>(o.faults ?? []);
  const schedule = buildSchedule({
    seed: o.seed,
    durationMs: o.durationMs,
    detectMs: keepaliveMs + requestTimeoutMs,
    ...(o.minGapMs === undefined ? {} : { minGapMs: o.minGapMs }),
    ...(o.maxGapMs === undefined ? {} : { maxGapMs: o.maxGapMs }),
  }).filter((e) => allowed.size === 0 || allowed.has(e.kind));

  await sleep(0);
  const resourcesBefore = activeResources();
  const t0 = performance.now();
  const since = (): number => Math.round(performance.now() - t0);
  const harnessErrors: string[] = [];
  const consumerErrors: string[] = [];
  const failureErrors = new Map<string, number>();
  const ledger = new Ledger();
  const promises = new PromiseTracker();

  // ---- setup ------------------------------------------------------------------------------------
  const topology = await startTopology({ seed: o.seed, groupCommitMs: o.groupCommitMs ?? 5 });
  const { server, proxies } = topology;
  const random = seededRandom(o.seed ^ 0x5bd1e995);
  const lanceOptions = (servers: string[]): LanceOptions => ({
    servers,
    keepaliveMs,
    requestTimeoutMs,
    connectTimeoutMs: requestTimeoutMs,
    graceMs: 0,
    reconnect: { baseMs: 50, maxMs: 1_000, healthyAfterMs: 2_000, random },
  });
  const producerLance = new Lance(lanceOptions([proxies.producer.address]));
  const consumerLance = new Lance(lanceOptions([proxies.consumer.address]));
  const subs: Subscription[] = [];
  const watch = (lance: Lance, role: string): RoleTracker => {
    const { tracker, sub } = watchRole(lance, role, topology.name);
    subs.push(sub);
    return tracker;
  };

  const producerRole = watch(producerLance, nextRoleAfter(nextProducerRole()));
  const driver = driveProducer(
    producerLance,
    topology.topicId,
    { recordBytes, bufferMemory, recordsPerSecond: o.recordsPerSecond },
    ledger,
    {
      failure: (m) => failureErrors.set(m, (failureErrors.get(m) ?? 0) + 1),
      harness: (m) => harnessErrors.push(m),
    },
  );
  const { producer } = driver;

  const consumerRoles: RoleTracker[] = [];
  const seqOf = seqReader(recordBytes, ledger);
  const consumer = driveConsumer(consumerLance, topology.topicId, seqOf, ledger, {
    subscribing: () => consumerRoles.push(watch(consumerLance, nextRoleAfter(nextConsumerRole()))),
    errored: (text) => {
      consumerErrors.push(`${since()} ms: ${text}`);
      log(`consumer errored: ${text}`);
    },
  });

  // ---- memory sampling --------------------------------------------------------------------------
  let maxBufferedBytes = 0;
  let heapBaseline = 0;
  let heapMax = 0;
  let heapEnd: number;
  const warmupMs = Math.min(3_000, o.durationMs / 4);
  const sampler = setInterval(() => {
    maxBufferedBytes = Math.max(maxBufferedBytes, producer.bufferedBytes);
    const heap = process.memoryUsage().heapUsed;
    if (heapBaseline === 0) {
      if (since() >= warmupMs) heapBaseline = heap;
    } else heapMax = Math.max(heapMax, heap);
  }, 50);

  // ---- the schedule -----------------------------------------------------------------------------
  const executed: ExecutedFault[] = [];
  const faultCounts: Record<string, number> = {};
  const flushEveryMs = 5_000;
  let nextFlush = flushEveryMs;
  const waitUntil = async (ms: number): Promise<void> => {
    while (since() < ms) {
      await sleep(Math.min(ms - since(), 250));
      if (since() >= nextFlush && since() < o.durationMs) {
        nextFlush += flushEveryMs;
        void promises.track(`flush @${since()} ms`, producer.flush());
      }
    }
  };

  let drainMs = -1;
  let storedTail = 0;
  let storedForeign = 0;
  let elapsedProduce = 0;
  const produceStart = performance.now();
  try {
    driver.start();
    for (const e of schedule) {
      await waitUntil(e.atMs);
      const startedMs = since();
      log(`${startedMs} ms: ${describeFault(e)}`);
      let note: string | undefined;
      try {
        note = await injectFault(e, { topology, producerRole, consumerRoles });
      } catch (err) {
        harnessErrors.push(`${e.kind} at ${startedMs} ms: ${errorText(err)}`);
      }
      faultCounts[e.kind] = (faultCounts[e.kind] ?? 0) + 1;
      executed.push({ ...e, startedMs, tookMs: since() - startedMs, ...(note === undefined ? {} : { note }) });
    }
    await waitUntil(o.durationMs);

    // ---- end: heal, settle every record, drain the consumer ---------------------------------------
    driver.stop();
    elapsedProduce = performance.now() - produceStart;
    server.faults.clear();
    for (const p of Object.values(proxies)) p.clear();
    log(`${since()} ms: produced ${ledger.produced}; closing the producer`);
    const endStart = performance.now();
    await withDeadline(promises.track('producer.flush (end)', producer.flush()), 60_000, () =>
      harnessErrors.push('producer.flush() did not settle in 60 s'),
    );
    await withDeadline(promises.track('producer.close', producer.close()), 60_000, () =>
      harnessErrors.push('producer.close() did not settle in 60 s'),
    );
    const drainDeadline = performance.now() + (o.drainTimeoutMs ?? 30_000);
    while (ledger.missingAcked() > 0 && performance.now() < drainDeadline) await sleep(50);
    drainMs = Math.round(performance.now() - endStart);
    log(`${since()} ms: consumer drained (${ledger.missingAcked()} acked records missing)`);
    // What the server really stored (after every restart and crash): tells a server that lost acked
    // data (lostFromLog) from a consumer that skipped stored data (lost without lostFromLog).
    storedTail = scanLog(server.topicBytes(topology.topicId), (value) => {
      const seq = seqOf(value);
      if (seq < 0) storedForeign++;
      else ledger.storedSeq(seq);
    });
  } catch (err) {
    harnessErrors.push(`run: ${errorText(err)}`);
  } finally {
    // ---- teardown ------------------------------------------------------------------------------------
    driver.stop();
    clearInterval(sampler);
    heapEnd = process.memoryUsage().heapUsed;
    consumer.stop();
    await withDeadline(promises.track('producerLance.close', producerLance.close()), 60_000, () =>
      harnessErrors.push('producerLance.close() hung'),
    );
    await withDeadline(promises.track('consumerLance.close', consumerLance.close()), 30_000, () =>
      harnessErrors.push('consumerLance.close() hung'),
    );
    driver.dispose();
    for (const s of subs) s.unsubscribe();
    await topology.stop();
  }

  // Pending promises get a moment to settle (their callbacks run after close resolved).
  for (let i = 0; i < 50 && promises.pending.size > 0; i++) await sleep(20);
  // Sockets of the in-process server and proxies close a moment later on a loaded machine.
  for (let i = 0; i < 250 && resourcesAbove(resourcesBefore).length > 0; i++) await sleep(20);

  const reportWithoutVerdict = {
    ...ledger.totals(),
    seed: o.seed,
    durationMs: o.durationMs,
    elapsedMs: since(),
    recordsPerSecond: o.recordsPerSecond,
    achievedRate: Math.round((ledger.produced / Math.max(1, elapsedProduce)) * 1000),
    paceSkipped: driver.paceSkipped,
    foreign: consumer.foreign,
    storedForeign,
    storedTail,
    reconnects: { producer: producerRole.reconnects, consumer: consumerRoles.reduce((n, r) => n + r.reconnects, 0) },
    producerRole: roleReport(producerRole),
    consumerRoles: consumerRoles.map(roleReport),
    producerStats: (({ retries, framesSent, sessions, batches }) => ({ retries, framesSent, sessions, batches }))(
      producer.stats,
    ),
    faultCounts,
    schedule: executed,
    consumerErrors,
    failureErrors: [...failureErrors].map(([m, n]) => `${n}× ${m}`),
    harnessErrors,
    pendingPromises: [...promises.pending.values()],
    promisesTracked: promises.tracked,
    leakedHandles: resourcesAbove(resourcesBefore),
    memory: {
      bufferMemory,
      maxBufferedBytes,
      heapBaseline,
      heapMax,
      heapEnd,
      heapGrowth: Math.max(0, heapMax - heapBaseline),
      maxHeapGrowthBytes,
    },
    drainMs,
    acksCompleted: driver.acksCompleted,
    firstMissing: ledger.firstMissing(),
  };
  const failures = verdict(reportWithoutVerdict, executed);
  const { acksCompleted: _a, firstMissing: _f, ...rest } = reportWithoutVerdict;
  return { ok: failures.length === 0, failures, ...rest };
}
