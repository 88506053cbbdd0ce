/**
 * One direction of one proxied connection: bytes read from `source` wait in a FIFO until latency,
 * bandwidth, pause and backpressure allow them out to `dest`. Protocol-agnostic — it only moves bytes.
 *
 * Memory is bounded: once more than `bound` bytes are queued the source socket is paused (so TCP flow
 * control pushes back on the sender, as a slow link would) and it is resumed at half the bound.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** The faults one direction obeys. Read on every step, so a change also applies to bytes already queued. */
export interface LegFaults {
  latencyMs: number;
  jitterMs: number;
  /** undefined = unlimited. */
  bytesPerSec: number | undefined;
  paused: boolean;
}

export interface PipeHooks {
  /** `bytes` were handed to `dest`. */
  forwarded(bytes: number): void;
  /** The drop-after budget ran out: the owner forwards `prefix` (possibly empty) then resets the connection. */
  cut(prefix: Buffer): void;
}

/** Marks the source's FIN, queued behind its data so latency delays the FIN as it delays the bytes. */
const END = Symbol('end');

interface Item {
  data: Buffer | typeof END;
  /** performance.now() before which the item may not leave (latency). */
  readyAt: number;
}

/** Bandwidth is paced in slices of this fraction of a second, so a big chunk is spread out, not sent in one burst. */
const SLICES_PER_SECOND = 50;

export class Pipe {
  /** Bytes this direction may still forward before the connection is cut; undefined = no drop fault. */
  budget: number | undefined;

  private readonly queue: Item[] = [];
  private queued = 0;
  /** readyAt of the last queued item: later items never overtake it, so jitter cannot reorder bytes. */
  private lastReadyAt = 0;
  /** Bandwidth pacing: earliest time the next slice may go. Never earns credit while idle (a strict cap). */
  private nextSendAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingDrain = false;
  private sourcePaused = false;
  private stopped = false;

  constructor(
    private readonly source: Socket,
    private readonly dest: Socket,
    private readonly faults: LegFaults,
    private readonly bound: number,
    private readonly hooks: PipeHooks,
  ) {}

  /** Queues a chunk read from the source (stamped with its latency now, as a real link delays it on entry). */
  push(chunk: Buffer): void {
    if (this.stopped) return;
    this.enqueue(chunk);
    this.queued += chunk.length;
    if (this.queued > this.bound && !this.sourcePaused) {
      this.sourcePaused = true;
      this.source.pause();
    }
    this.pump();
  }

  /** Queues the source's FIN behind its data. */
  pushEnd(): void {
    if (this.stopped) return;
    this.enqueue(END);
    this.pump();
  }

  /** Sends whatever the faults allow now, and arms one timer for the rest. Called again by resume/clear. */
  pump(): void {
    if (this.stopped || this.waitingDrain || this.timer !== undefined) return;
    const faults = this.faults;
    for (;;) {
      const head = this.queue[0];
      if (head === undefined || faults.paused) return;
      const now = performance.now();
      if (head.readyAt > now) return this.wait(head.readyAt - now);
      if (head.data === END) {
        this.queue.shift();
        this.dest.end();
        return;
      }
      const rate = faults.bytesPerSec;
      if (rate !== undefined && this.nextSendAt > now) return this.wait(this.nextSendAt - now);

      let n = head.data.length;
      if (rate !== undefined) n = Math.min(n, Math.max(1, Math.floor(rate / SLICES_PER_SECOND)));
      if (this.budget !== undefined && n > this.budget) {
        const prefix = head.data.subarray(0, this.budget);
        this.stop();
        this.hooks.cut(prefix);
        return;
      }

      const slice = head.data.subarray(0, n);
      if (n === head.data.length) this.queue.shift();
      else head.data = head.data.subarray(n);
      this.queued -= n;
      if (this.budget !== undefined) this.budget -= n;
      if (rate !== undefined) this.nextSendAt = Math.max(now, this.nextSendAt) + (n * 1000) / rate;
      if (this.sourcePaused && this.queued <= this.bound / 2) {
        this.sourcePaused = false;
        this.source.resume();
      }
      this.hooks.forwarded(n);
      if (!this.dest.write(slice)) {
        // The destination is slower than us: wait for it rather than piling bytes into its write buffer.
        this.waitingDrain = true;
        this.dest.once('drain', () => {
          this.waitingDrain = false;
          this.pump();
        });
        return;
      }
    }
  }

  /** Lets bytes held by latency or pacing go now (clear()): the network healed, so nothing waits out an old delay. */
  release(): void {
    for (const item of this.queue) item.readyAt = 0;
    this.lastReadyAt = 0;
    this.nextSendAt = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pump();
  }

  /** Drops everything queued and never forwards again (connection dead, closing or cut); clears the timer. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.queued = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sourcePaused) {
      this.sourcePaused = false;
      this.source.resume();
    }
  }

  private enqueue(data: Buffer | typeof END): void {
    const { latencyMs, jitterMs } = this.faults;
    const delay = latencyMs + (jitterMs > 0 ? Math.random() * jitterMs : 0);
    const readyAt = Math.max(performance.now() + delay, this.lastReadyAt);
    this.lastReadyAt = readyAt;
    this.queue.push({ data, readyAt });
  }

  private wait(ms: number): void {
    // Timers may fire a little early against performance.now(); pump re-checks and waits again, so a
    // configured latency is a floor, never undershot.
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, Math.ceil(ms)),
    );
  }
}
