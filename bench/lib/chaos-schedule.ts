/**
 * The chaos harness's fault schedule: a pure function of a seed, computed before the run starts,
 * so a failing run is replayed by passing the same seed (`runChaos({ seed })`).
 *
 * Faults run one at a time (each one is injected, held for its duration, then healed) with a
 * quiet gap in between, so every fault's effect can be told apart and none masks another. The
 * kinds are dealt from a shuffled deck (every kind once, then a new shuffle): any run with at least
 * `FAULT_KINDS.length` events exercises every kind.
 */

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FAULT_KINDS = [
  /** FaultProxy.closeAll(): FIN on every connection of one side (producer, consumer or both). */
  'proxy-close',
  /** FaultProxy.resetAll(): RST on every connection of one side. */
  'proxy-reset',
  /** server.restart({ downMs }): clean shutdown (owed acks flushed), port closed a while. */
  'restart',
  /** server.restart({ crash: true, downMs }): sockets reset, owed acks and unsynced bytes lost. */
  'crash-restart',
  /** server.faults.dropAfterFrames(n): the server closes a connection; acks owed for that read are lost, the data is stored. */
  'server-drop',
  /** server.faults.forwardFailed({ writes, fetches }): FORWARD_FAILED for a burst of ingests and fetches. */
  'forward-failed',
  /** server.faults.catchingUp(n): the next n fetches answer CatchingUp. */
  'catching-up',
  /** server.faults.stallAcks() then releaseAcks(): a server stuck in fsync (it stops reading too). */
  'stall-acks',
  /** server.faults.notLeader(<the other producer address>, { writes }): the producer follows the redirect. */
  'not-leader',
  /** FaultProxy.blackhole(): a dead peer that only the keepalive can detect. */
  'blackhole',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];
export type Side = 'producer' | 'consumer' | 'both';

export interface FaultEvent {
  /** Ms after the start of the run at which the fault is injected (later if the previous one ran over). */
  readonly atMs: number;
  readonly kind: FaultKind;
  /** Which proxies (proxy faults). */
  readonly side: Side;
  /** How long the fault is held before it is healed (stall, blackhole, restart down time, burst window). */
  readonly holdMs: number;
  /** Burst size (forward-failed, catching-up, not-leader, server-drop's frame count). */
  readonly count: number;
  /** server-drop: RST instead of FIN. */
  readonly abrupt: boolean;
}

export interface ScheduleOptions {
  readonly seed: number;
  /** Faults are only scheduled in [startMs, durationMs - quietTailMs]. */
  readonly durationMs: number;
  readonly startMs?: number;
  readonly quietTailMs?: number;
  /** Quiet gap between the end of one fault and the next, drawn uniformly from [minGapMs, maxGapMs]. */
  readonly minGapMs?: number;
  readonly maxGapMs?: number;
  /** Dead-peer detection budget (keepaliveMs + requestTimeoutMs): a blackhole is held longer than that. */
  readonly detectMs: number;
}

/** How long the fault is held: the schedule leaves that much room (the runner waits for it anyway). */
export function expectedSpanMs(e: FaultEvent): number {
  return e.holdMs;
}

export function buildSchedule(o: ScheduleOptions): FaultEvent[] {
  const random = seededRandom(o.seed);
  const between = (lo: number, hi: number): number => Math.round(lo + random() * (hi - lo));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const minGap = o.minGapMs ?? 1_500;
  const maxGap = o.maxGapMs ?? 3_000;
  const end = o.durationMs - (o.quietTailMs ?? 2_000);
  const events: FaultEvent[] = [];
  let deck: FaultKind[] = [];
  let t = o.startMs ?? 2_000;
  for (;;) {
    if (deck.length === 0) deck = shuffle([...FAULT_KINDS], random);
    const kind = deck.pop()!;
    const e = makeEvent(kind, t, o.detectMs, between, pick, random);
    if (t + expectedSpanMs(e) > end) break;
    events.push(e);
    t += expectedSpanMs(e) + between(minGap, maxGap);
  }
  return events;
}

function makeEvent(
  kind: FaultKind,
  atMs: number,
  detectMs: number,
  between: (lo: number, hi: number) => number,
  pick: <T>(xs: readonly T[]) => T,
  random: () => number,
): FaultEvent {
  const base = { atMs, kind, side: 'both' as Side, holdMs: 0, count: 0, abrupt: false };
  switch (kind) {
    case 'proxy-close':
    case 'proxy-reset':
      return { ...base, side: pick(['producer', 'consumer', 'both'] as const) };
    case 'restart':
    case 'crash-restart':
      return { ...base, holdMs: between(0, 800) };
    case 'server-drop':
      // The frame counter is shared by every connection: the n-th frame handled from now is on the
      // producer's or the consumer's socket, whichever comes first.
      return { ...base, count: between(1, 40), abrupt: random() < 0.5, holdMs: 500 };
    case 'forward-failed':
      return { ...base, count: between(1, 5), holdMs: 1_000 };
    case 'catching-up':
      return { ...base, count: between(1, 4), holdMs: 1_500 };
    case 'stall-acks':
      // Sometimes shorter than dead-peer detection (the stall heals), sometimes longer (keepalive kills the socket).
      return { ...base, holdMs: between(300, Math.round(detectMs * 1.5)) };
    case 'not-leader':
      return { ...base, count: between(1, 3), holdMs: 1_000 };
    case 'blackhole':
      // Twice the detection budget: a loaded machine (CI, --detectOpenHandles) detects late, and the
      // next fault must not close the dead socket before the keepalive does.
      return { ...base, side: pick(['producer', 'consumer', 'both'] as const), holdMs: detectMs * 2 };
  }
}

function shuffle<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
