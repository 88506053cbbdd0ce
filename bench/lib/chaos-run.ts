/**
 * The chaos harness: one producer and one consumer against an embedded LanceServer with a data
 * dir, each through its own FaultProxy, while a seeded schedule of faults runs (chaos-schedule.ts).
 * Used by `test/chaos/chaos.test.ts` (short, inside `npm test`) and `bench/soak.ts` (long).
 *
 *   producer Lance ──► proxy "producer" ──┐
 *                 └──► proxy "leader"  ───┼──► LanceServer (dataDir, group commit)
 *   consumer Lance ──► proxy "consumer" ──┘
 *
 * The producer writes records whose value carries their sequence number (= the producer lane's
 * seq, so `acks$` outcomes and consumed copies meet on one index), at a steady pace, paced with
 * `whenRoom` so it never overruns `bufferMemory`. The consumer reads them back with `topic$`.
 * At the end the producer is closed (every record settled), the consumer drains, everything is
 * torn down, and `ChaosReport.failures` lists every broken invariant (empty = pass):
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
 *
 * NOT_LEADER between "two servers": the redirect target must serve the *same* log, or the consumer
 * (reading the first server) would never see what the producer wrote after being redirected, and
 * duplicates/gaps would mean nothing. A real cluster keeps byte-identical segments on every node
 * (PROTOCOL.md §2.3.11), which a single embedded server reached through two addresses models
 * exactly: the "leader" proxy is a second address forwarding to the same server. The fault names
 * the address the producer is *not* on, so each redirect moves it (producer → leader → producer…).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Subscription, exhaustMap, firstValueFrom, interval } from 'rxjs';
import {
  type ConnectionState,
  type ConsumeOptions,
  Lance,
  type LanceOptions,
  type ProducerOptions,
  type RxProducer,
  createTopic$,
  whenRoom,
} from '../../src/index';
import { nextConsumerRole } from '../../src/rx/consumer/role';
import { nextProducerRole } from '../../src/rx/producer/roles';
import { LanceServer } from '../../src/testing';
import { FaultProxy } from '../../src/testing/fault-proxy';
import { Ledger, type LedgerTotals } from './chaos-ledger';
import { type FaultEvent, type FaultKind, type Side, buildSchedule, seededRandom } from './chaos-schedule';

export interface ChaosOptions {
  /** Length of the produce-under-faults phase. */
  readonly durationMs: number;
  /** Seeds the fault schedule and the reconnect jitter. */
  readonly seed: number;
  /** Records per second the producer aims at. */
  readonly recordsPerSecond: number;
  /** Value size of each record, in bytes (≥ 12). Default 100. */
  readonly recordBytes?: number;
  /** The producer's `bufferMemory`. Default 4 MiB. */
  readonly bufferMemory?: number;
  /** Allowed growth of `heapUsed` over its value after warm-up. Default 128 MiB. */
  readonly maxHeapGrowthBytes?: number;
  /** The server's group-commit idle gap. Default 5 (the server's). */
  readonly groupCommitMs?: number;
  /** Dead-peer detection: `keepaliveMs` of silence, then `requestTimeoutMs` for the echo. Defaults 1000 / 2000. */
  readonly keepaliveMs?: number;
  readonly requestTimeoutMs?: number;
  /** How long the end phase waits for the consumer to read every acked record. Default 30 s. */
  readonly drainTimeoutMs?: number;
  /** Only these fault kinds (default: all). */
  readonly faults?: readonly FaultKind[];
  /** Quiet gap between faults. Defaults 1500–3000 ms. */
  readonly minGapMs?: number;
  readonly maxGapMs?: number;
  /** Progress lines (fault injected, phase changes). */
  readonly log?: (line: string) => void;
}

export interface RoleReport {
  readonly role: string;
  /** 'reconnecting' events on `lance.state$(role)`. */
  readonly reconnects: number;
  /** 'connected' events per address. */
  readonly connections: Record<string, number>;
  /** Why sockets died, by class of error. */
  readonly causes: Record<string, number>;
}

export interface ExecutedFault extends FaultEvent {
  /** When it was really injected, and how long injecting + holding + healing took. */
  readonly startedMs: number;
  readonly tookMs: number;
  readonly note?: string;
}

export interface ChaosReport extends LedgerTotals {
  readonly ok: boolean;
  /** Broken invariants; empty when the run passed. */
  readonly failures: readonly string[];
  readonly seed: number;
  readonly durationMs: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
  /** Records produced per second of the produce phase, as achieved. */
  readonly achievedRate: number;
  /** Records not produced on time because the buffer was full (pacing deficit, skipped, not lost). */
  readonly paceSkipped: number;
  /** Consumed values that are not ours (wrong size or shape). */
  readonly foreign: number;
  /** Records in the server's stored log that are not ours, and bytes after its last whole record. */
  readonly storedForeign: number;
  readonly storedTail: number;
  readonly reconnects: { readonly producer: number; readonly consumer: number };
  readonly producerRole: RoleReport;
  readonly consumerRoles: readonly RoleReport[];
  readonly producerStats: { readonly retries: number; readonly framesSent: number; readonly sessions: number; readonly batches: number };
  readonly faultCounts: Record<string, number>;
  readonly schedule: readonly ExecutedFault[];
  readonly consumerErrors: readonly string[];
  readonly failureErrors: readonly string[];
  readonly harnessErrors: readonly string[];
  /** Promises (flush, close) still pending after teardown. */
  readonly pendingPromises: readonly string[];
  readonly promisesTracked: number;
  /** Resource kinds (process.getActiveResourcesInfo) above their count before the run. */
  readonly leakedHandles: readonly string[];
  readonly memory: {
    readonly bufferMemory: number;
    readonly maxBufferedBytes: number;
    readonly heapBaseline: number;
    readonly heapMax: number;
    readonly heapEnd: number;
    readonly heapGrowth: number;
    readonly maxHeapGrowthBytes: number;
  };
  /** Seconds from end of producing until the consumer had every acked record. */
  readonly drainMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const SEQ_DIGITS = 10;

/** Runs one chaos scenario; never throws for a broken invariant (see `failures`), only for a broken setup. */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => undefined);
  const recordBytes = Math.max(SEQ_DIGITS + 2, o.recordBytes ?? 100);
  const bufferMemory = o.bufferMemory ?? 4 * 1024 * 1024;
  const keepaliveMs = o.keepaliveMs ?? 1_000;
  const requestTimeoutMs = o.requestTimeoutMs ?? 2_000;
  const maxHeapGrowthBytes = o.maxHeapGrowthBytes ?? 128 * 1024 * 1024;
  const detectMs = keepaliveMs + requestTimeoutMs;
  const allowed = new Set<FaultKind>(o.faults ?? []);
  const schedule = buildSchedule({
    seed: o.seed,
    durationMs: o.durationMs,
    detectMs,
    ...(o.minGapMs === undefined ? {} : { minGapMs: o.minGapMs }),
    ...(o.maxGapMs === undefined ? {} : { maxGapMs: o.maxGapMs }),
  }).filter((e) => allowed.size === 0 || allowed.has(e.kind));

  await sleep(0);
  const resourcesBefore = countKinds(process.getActiveResourcesInfo());
  const t0 = performance.now();
  const since = (): number => Math.round(performance.now() - t0);
  const harnessErrors: string[] = [];
  const consumerErrors: string[] = [];
  const failureErrors = new Map<string, number>();
  const ledger = new Ledger();
  let foreign = 0;

  // ---- promises that must settle --------------------------------------------------------------
  const pending = new Map<number, string>();
  let tracked = 0;
  const track = <T>(label: string, p: Promise<T>): Promise<T> => {
    const id = ++tracked;
    pending.set(id, label);
    const done = (): void => void pending.delete(id);
    p.then(done, done);
    return p;
  };

  // ---- setup ------------------------------------------------------------------------------------
  const dataDir = mkdtempSync(join(tmpdir(), 'lnc-chaos-'));
  const server = await LanceServer.start({ port: 0, dataDir, groupCommitMs: o.groupCommitMs ?? 5 });
  const proxies = {
    producer: await FaultProxy.start({ target: server.address }),
    leader: await FaultProxy.start({ target: server.address }),
    consumer: await FaultProxy.start({ target: server.address }),
  };
  // A role can be on its own proxy or, after a NOT_LEADER redirect, on the leader proxy: a fault
  // aimed at one side must reach the proxy that side is connected through right now.
  const proxyOf = (address: string | undefined): FaultProxy[] =>
    Object.values(proxies).filter((p) => p.address === address);
  const sideProxies = (side: Side): FaultProxy[] => {
    if (side === 'both') return Object.values(proxies);
    const own = side === 'producer' ? proxies.producer : proxies.consumer;
    const current = side === 'producer' ? proxyOf(producerRole.address) : consumerRoles.flatMap((r) => proxyOf(r.address));
    return [...new Set([own, ...current])];
  };
  const name = (addr: string): string =>
    addr === proxies.producer.address ? 'producer-proxy' : addr === proxies.leader.address ? 'leader-proxy' : addr === proxies.consumer.address ? 'consumer-proxy' : addr;

  const admin = new Lance({ servers: [server.address] });
  const topic = await firstValueFrom(createTopic$(admin, `chaos-${o.seed >>> 0}-${Date.now()}`));
  await admin.close();

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

  // ---- roles: reconnects and causes from lance.state$(role) ------------------------------------
  const watchRole = (lance: Lance, role: string): RoleTracker => {
    const t: RoleTracker = { role, reconnects: 0, connections: {}, causes: {}, address: undefined };
    subs.push(
      lance.state$(role).subscribe((s: ConnectionState) => {
        if (s.type === 'reconnecting') {
          t.reconnects++;
          const c = causeOf(s.error);
          t.causes[c] = (t.causes[c] ?? 0) + 1;
        } else if (s.type === 'connected') {
          t.address = s.address;
          const n = name(s.address);
          t.connections[n] = (t.connections[n] ?? 0) + 1;
        }
      }),
    );
    return t;
  };

  // ---- producer ---------------------------------------------------------------------------------
  // Roles are numbered per process in creation order (producer:<n>, consumer:<n>) and RxProducer does
  // not expose its own, so take a number and use the next one; `connections` proves we guessed right.
  const producerRole = watchRole(producerLance, `producer:${roleNumber(nextProducerRole()) + 1}`);
  const producerOptions: ProducerOptions = {
    lingerMs: 5,
    batchSize: 16 * 1024,
    bufferMemory,
    // Long on purpose: a dead peer must be found by the keepalive, not by an ack timeout.
    requestTimeoutMs: 30_000,
    closeTimeoutMs: 30_000,
  };
  const producer: RxProducer = producerLance.producer(topic.id, producerOptions);
  let acksCompleted = false;
  subs.push(
    producer.acks$.subscribe({
      next: (outcome) => {
        ledger.outcomeOf(outcome);
        if (outcome.type !== 'acked') {
          const m = `${outcome.type}: ${outcome.error.name}: ${outcome.error.message}`;
          failureErrors.set(m, (failureErrors.get(m) ?? 0) + 1);
        }
      },
      complete: () => (acksCompleted = true),
      error: (err: unknown) => harnessErrors.push(`acks$ errored: ${String(err)}`),
    }),
  );

  const pad = 'x'.repeat(recordBytes - SEQ_DIGITS - 1);
  const highWater = Math.floor(bufferMemory * 0.75);
  let produceStart = performance.now();
  let paceSkipped = 0;
  let producing = true;
  const produceTick = (): void => {
    if (!producing) return;
    const due = Math.floor(((performance.now() - produceStart) * o.recordsPerSecond) / 1000) - paceSkipped;
    // After an outage, catch up at most one second's worth; the rest is skipped (counted).
    if (due - ledger.produced > o.recordsPerSecond) paceSkipped += due - ledger.produced - o.recordsPerSecond;
    const target = Math.min(due, ledger.produced + o.recordsPerSecond);
    while (ledger.produced < target && producer.bufferedBytes < highWater) {
      producer.next(String(ledger.produced).padStart(SEQ_DIGITS, '0') + '|' + pad);
      ledger.produced++;
    }
  };
  const pace = interval(10)
    .pipe(exhaustMap(() => whenRoom(producer, highWater)))
    .subscribe(produceTick);

  // ---- consumer ---------------------------------------------------------------------------------
  const consumerRoles: RoleTracker[] = [];
  const decoder = new TextDecoder();
  /** The seq written in a record value, or -1 when the value is not one of ours. */
  const seqOf = (v: Uint8Array): number => {
    if (v.length !== recordBytes || v[SEQ_DIGITS] !== 0x7c /* | */) return -1;
    const seq = Number(decoder.decode(v.subarray(0, SEQ_DIGITS)));
    return Number.isInteger(seq) && seq >= 0 && seq < ledger.produced ? seq : -1;
  };
  let consumerPosition = 0n;
  let consumerSub: Subscription | undefined;
  let stopping = false;
  const consumeOptions: ConsumeOptions = {
    pollIntervalMs: 20,
    maxFetchBytes: 256 * 1024,
    catchingUpDelayMs: 200,
    catchingUpMaxStalls: 20,
    backoff: { baseMs: 50, maxMs: 1_000 },
    lagProbeIntervalMs: false,
    autoCommitIntervalMs: false,
    // Long on purpose, as for the producer: the keepalive must find dead peers.
    requestTimeoutMs: 30_000,
  };
  const subscribeConsumer = (): void => {
    consumerRoles.push(watchRole(consumerLance, `consumer:${roleNumber(nextConsumerRole()) + 1}`));
    consumerSub = consumerLance.topic$(topic.id, consumerPosition, consumeOptions).subscribe({
      next: (batch) => {
        for (const r of batch.records) {
          const seq = seqOf(r.value);
          if (seq < 0) foreign++;
          else ledger.consumedSeq(seq);
        }
        consumerPosition = batch.endOffset;
      },
      error: (err: unknown) => {
        consumerErrors.push(`${since()} ms: ${errorText(err)}`);
        log(`consumer errored: ${errorText(err)}`);
        // Keep reading (from the last delivered offset) so the rest of the run still says something.
        if (!stopping) setTimeout(() => !stopping && subscribeConsumer(), 200);
      },
    });
  };
  subscribeConsumer();

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
  const inject = async (e: FaultEvent): Promise<string | undefined> => {
    switch (e.kind) {
      case 'proxy-close':
        for (const p of sideProxies(e.side)) p.closeAll();
        return undefined;
      case 'proxy-reset':
        for (const p of sideProxies(e.side)) p.resetAll();
        return undefined;
      case 'restart':
        await server.restart({ downMs: e.holdMs });
        return undefined;
      case 'crash-restart':
        await server.restart({ crash: true, downMs: e.holdMs });
        return undefined;
      case 'server-drop':
        server.faults.dropAfterFrames(e.count, { abrupt: e.abrupt });
        await sleep(e.holdMs);
        server.faults.clear();
        return undefined;
      case 'forward-failed':
        server.faults.forwardFailed({ writes: e.count, fetches: 1 });
        await sleep(e.holdMs);
        server.faults.clear();
        return undefined;
      case 'catching-up':
        server.faults.catchingUp(e.count);
        await sleep(e.holdMs);
        server.faults.clear();
        return undefined;
      case 'stall-acks':
        server.faults.stallAcks();
        await sleep(e.holdMs);
        server.faults.releaseAcks();
        return undefined;
      case 'not-leader': {
        const onLeader = producerRole.address === proxies.leader.address;
        const target = onLeader ? proxies.producer : proxies.leader;
        // Writes redirect the producer; a fetch answered NOT_LEADER is retried by the consumer.
        const seen = producerRole.causes['NOT_LEADER'] ?? 0;
        server.faults.notLeader(target.address, { writes: e.count, fetches: 1 });
        await sleep(e.holdMs);
        // Keep it armed (a while) until the producer has met it, should it have been between sessions.
        const until = performance.now() + 2 * e.holdMs;
        while ((producerRole.causes['NOT_LEADER'] ?? 0) === seen && performance.now() < until) await sleep(50);
        server.faults.clear();
        return `redirect to ${name(target.address)}`;
      }
      case 'blackhole': {
        const ps = sideProxies(e.side);
        for (const p of ps) p.blackhole(true);
        await sleep(e.holdMs);
        for (const p of ps) p.blackhole(false);
        return undefined;
      }
    }
  };

  let drainMs = -1;
  let storedTail = 0;
  let storedForeign = 0;
  let elapsedProduce = 0;
  try {
    produceStart = performance.now();
    for (const e of schedule) {
      while (since() < e.atMs) {
        await sleep(Math.min(e.atMs - since(), 250));
        if (since() >= nextFlush) {
          nextFlush += flushEveryMs;
          void track(`flush @${since()} ms`, producer.flush());
        }
      }
      const startedMs = since();
      log(`${startedMs} ms: ${describe(e)}`);
      let note: string | undefined;
      try {
        note = await inject(e);
      } catch (err) {
        harnessErrors.push(`${e.kind} at ${startedMs} ms: ${errorText(err)}`);
      }
      faultCounts[e.kind] = (faultCounts[e.kind] ?? 0) + 1;
      executed.push({ ...e, startedMs, tookMs: since() - startedMs, ...(note === undefined ? {} : { note }) });
    }
    while (since() < o.durationMs) {
      await sleep(Math.min(o.durationMs - since(), 250));
      if (since() >= nextFlush && since() < o.durationMs) {
        nextFlush += flushEveryMs;
        void track(`flush @${since()} ms`, producer.flush());
      }
    }

    // ---- end: heal, settle every record, drain the consumer ---------------------------------------
    producing = false;
    elapsedProduce = performance.now() - produceStart;
    pace.unsubscribe();
    server.faults.clear();
    for (const p of Object.values(proxies)) p.clear();
    log(`${since()} ms: produced ${ledger.produced}; closing the producer`);
    const endStart = performance.now();
    await withDeadline(track('producer.flush (end)', producer.flush()), 60_000, () => harnessErrors.push('producer.flush() did not settle in 60 s'));
    await withDeadline(track('producer.close', producer.close()), 60_000, () => harnessErrors.push('producer.close() did not settle in 60 s'));
    const drainDeadline = performance.now() + (o.drainTimeoutMs ?? 30_000);
    while (ledger.missingAcked() > 0 && performance.now() < drainDeadline) await sleep(50);
    drainMs = Math.round(performance.now() - endStart);
    log(`${since()} ms: consumer drained (${ledger.missingAcked()} acked records missing)`);
    // What the server really stored (after every restart and crash): tells a server that lost acked
    // data (lostFromLog) from a consumer that skipped stored data (lost without lostFromLog).
    storedTail = scanLog(server.topicBytes(topic.id), (value) => {
      const seq = seqOf(value);
      if (seq < 0) storedForeign++;
      else ledger.storedSeq(seq);
    });
  } catch (err) {
    harnessErrors.push(`run: ${errorText(err)}`);
  } finally {
    // ---- teardown ------------------------------------------------------------------------------------
    producing = false;
    stopping = true;
    pace.unsubscribe();
    clearInterval(sampler);
    heapEnd = process.memoryUsage().heapUsed;
    consumerSub?.unsubscribe();
    await withDeadline(track('producerLance.close', producerLance.close()), 60_000, () => harnessErrors.push('producerLance.close() hung'));
    await withDeadline(track('consumerLance.close', consumerLance.close()), 30_000, () => harnessErrors.push('consumerLance.close() hung'));
    for (const s of subs) s.unsubscribe();
    await Promise.all(Object.values(proxies).map((p) => p.stop()));
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  // Pending promises get a moment to settle (their callbacks run after close resolved).
  for (let i = 0; i < 50 && pending.size > 0; i++) await sleep(20);
  const leftovers = (): string[] => {
    const now = countKinds(process.getActiveResourcesInfo());
    return Object.entries(now)
      .filter(([kind, n]) => n > (resourcesBefore[kind] ?? 0))
      .map(([kind, n]) => `${kind} +${n - (resourcesBefore[kind] ?? 0)}`);
  };
  // Sockets of the in-process server and proxies close a moment later on a loaded machine.
  for (let i = 0; i < 250 && leftovers().length > 0; i++) await sleep(20);

  const totals = ledger.totals();
  const consumerTotal = consumerRoles.reduce((n, r) => n + r.reconnects, 0);
  const reportWithoutVerdict = {
    ...totals,
    seed: o.seed,
    durationMs: o.durationMs,
    elapsedMs: since(),
    recordsPerSecond: o.recordsPerSecond,
    achievedRate: Math.round((ledger.produced / Math.max(1, elapsedProduce)) * 1000),
    paceSkipped,
    foreign,
    storedForeign,
    storedTail,
    reconnects: { producer: producerRole.reconnects, consumer: consumerTotal },
    producerRole: roleReport(producerRole),
    consumerRoles: consumerRoles.map(roleReport),
    producerStats: (({ retries, framesSent, sessions, batches }) => ({ retries, framesSent, sessions, batches }))(producer.stats),
    faultCounts,
    schedule: executed,
    consumerErrors,
    failureErrors: [...failureErrors].map(([m, n]) => `${n}× ${m}`),
    harnessErrors,
    pendingPromises: [...pending.values()],
    promisesTracked: tracked,
    leakedHandles: leftovers(),
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
    acksCompleted,
    firstMissing: ledger.firstMissing(),
  };
  const failures = verdict(reportWithoutVerdict, executed);
  const { acksCompleted: _a, firstMissing: _f, ...rest } = reportWithoutVerdict;
  return { ok: failures.length === 0, failures, ...rest };
}

interface RoleTracker {
  readonly role: string;
  reconnects: number;
  connections: Record<string, number>;
  causes: Record<string, number>;
  address: string | undefined;
}

function roleReport(t: RoleTracker): RoleReport {
  return { role: t.role, reconnects: t.reconnects, connections: t.connections, causes: t.causes };
}

/** Every invariant the run must keep; each broken one is a line. */
function verdict(
  r: Omit<ChaosReport, 'ok' | 'failures'> & { readonly acksCompleted: boolean; readonly firstMissing: number | undefined },
  executed: readonly ExecutedFault[],
): string[] {
  const f: string[] = [];
  if (r.lostFromLog > 0) f.push(`${r.lostFromLog} acked records are missing from the server's stored log (server durability bug)`);
  if (r.lost > 0) f.push(`${r.lost} acked records were never consumed (first: seq ${r.firstMissing})`);
  if (r.storedForeign > 0 || r.storedTail > 0) f.push(`the stored log holds ${r.storedForeign} foreign records and ${r.storedTail} trailing bytes`);
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
  if (r.consumerErrors.length > 0) f.push(`the consumer stream errored ${r.consumerErrors.length}×: ${r.consumerErrors.join('; ')}`);
  if (r.harnessErrors.length > 0) f.push(`harness: ${r.harnessErrors.join('; ')}`);
  if (r.pendingPromises.length > 0) f.push(`promises never settled: ${r.pendingPromises.join(', ')}`);
  if (r.leakedHandles.length > 0) f.push(`handles left open: ${r.leakedHandles.join(', ')}`);
  if (r.memory.maxBufferedBytes > r.memory.bufferMemory) f.push(`bufferedBytes reached ${r.memory.maxBufferedBytes} > bufferMemory ${r.memory.bufferMemory}`);
  if (r.memory.heapGrowth > r.memory.maxHeapGrowthBytes) f.push(`heap grew ${mib(r.memory.heapGrowth)} > ${mib(r.memory.maxHeapGrowthBytes)}`);
  // The harness must really have hurt the client: guards against a schedule or role guess gone wrong.
  const hits = (side: 'producer' | 'consumer'): number =>
    executed.filter((e) => e.kind === 'restart' || e.kind === 'crash-restart' || (e.kind === 'proxy-reset' && e.side !== (side === 'producer' ? 'consumer' : 'producer'))).length;
  if (hits('producer') > 0 && r.reconnects.producer === 0) f.push('connection faults hit the producer but its role never reconnected (wrong role?)');
  if (hits('consumer') > 0 && r.reconnects.consumer === 0) f.push('connection faults hit the consumer but its role never reconnected (wrong role?)');
  if (executed.some((e) => e.kind === 'not-leader') && (r.producerRole.connections['leader-proxy'] ?? 0) === 0) {
    f.push('NOT_LEADER faults ran but the producer never connected to the redirect target');
  }
  return f;
}

/** A short class for a socket's death, for the causes table. */
function causeOf(err: unknown): string {
  const text = errorText(err);
  const name = err instanceof Error ? err.name : typeof err;
  if (/keepalive echo/.test(text)) return 'keepalive timeout (dead peer)';
  if (/ECONNREFUSED/.test(text)) return 'connection refused';
  if (/ECONNRESET|reset/i.test(text)) return 'reset';
  if (/no ack for batch/.test(text)) return 'ack timeout';
  if (name === 'NotLeaderError') return 'NOT_LEADER';
  if (name === 'ForwardFailedError') return 'FORWARD_FAILED';
  if (/within \d+ ms/.test(text)) return `${name} (timeout)`;
  if (/closed|EPIPE|end/i.test(text)) return 'closed by peer';
  return name;
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function describe(e: FaultEvent): string {
  switch (e.kind) {
    case 'proxy-close':
    case 'proxy-reset':
    case 'blackhole':
      return `${e.kind} (${e.side}${e.holdMs ? `, ${e.holdMs} ms` : ''})`;
    case 'server-drop':
      return `server-drop after ${e.count} frames (${e.abrupt ? 'RST' : 'FIN'})`;
    case 'restart':
    case 'crash-restart':
      return `${e.kind} (down ${e.holdMs} ms)`;
    case 'stall-acks':
      return `stall-acks ${e.holdMs} ms`;
    default:
      return `${e.kind} ×${e.count}`;
  }
}

/** Walks a stored TLV log (type u8, length u32 LE, value); returns the bytes after the last whole record. */
function scanLog(bytes: Uint8Array, onValue: (value: Uint8Array) => void): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  while (bytes.length - o >= 5) {
    const end = o + 5 + view.getUint32(o + 1, true);
    if (end > bytes.length) break;
    onValue(bytes.subarray(o + 5, end));
    o = end;
  }
  return bytes.length - o;
}

function roleNumber(role: string): number {
  const n = Number(role.slice(role.indexOf(':') + 1));
  if (!Number.isInteger(n)) throw new Error(`unexpected role name ${role}`);
  return n;
}

function countKinds(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

async function withDeadline(p: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  const result = await Promise.race([p.then(() => 'ok' as const, () => 'ok' as const), late]);
  clearTimeout(timer);
  if (result === 'late') onTimeout();
}

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
