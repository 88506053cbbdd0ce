/**
 * The producer's memory bound: bytes of records accepted but not yet settled (queued, encoded,
 * in flight). Reserved when a record is accepted, released when its batch settles.
 *
 * `tryReserve` is the synchronous check of the Rx face. `reserve` is the Promise face's wait for
 * room: waiters are served strictly in arrival order (a small record never overtakes a big one, so
 * `send()` order is the delivery order), each bounded by a timeout and an optional AbortSignal.
 * Waiters are the only queue, and each one is a caller's pending `send()` holding its record: their
 * bytes have a budget of their own (`waitingCapacity`), or a caller that never awaits its sends
 * would hold every record it ever made while the server is slow.
 */
import { type SchedulerLike, type Subscription } from 'rxjs';
import { AbortedError, BackpressureError, ClosedError, InvalidArgumentError, type LanceError } from '../../wire/errors.js';
import { Deque } from './deque.js';

/** What a waiting send costs besides its record (waiter, promises, closures): tiny records count too. */
const WAITER_OVERHEAD = 256;

interface Waiter {
  readonly size: number;
  resolve: () => void;
  reject: (err: LanceError) => void;
  done: boolean;
  timer: Subscription | undefined;
  cleanup: (() => void) | undefined;
}

export class MemoryBudget {
  private used = 0;
  private waitingUsed = 0;
  private fullError: BackpressureError | undefined;
  private readonly waiters = new Deque<Waiter>();

  constructor(
    readonly capacity: number,
    private readonly scheduler: SchedulerLike,
    readonly waitingCapacity: number = capacity,
  ) {}

  /** Bytes of the records whose senders wait for room. */
  get waitingBytes(): number {
    return this.waitingUsed;
  }

  get usedBytes(): number {
    return this.used;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Whether `size` can ever fit. */
  fits(size: number): boolean {
    return size <= this.capacity;
  }

  /** Reserves at once if there is room and nobody is waiting ahead. */
  tryReserve(size: number): boolean {
    if (this.waiters.length > 0 || this.used + size > this.capacity) return false;
    this.used += size;
    return true;
  }

  /**
   * Why a reservation of `size` would be refused at once (no room now, and waiting is not
   * allowed), or undefined when `reserve` would take or wait. Lets a caller refuse before it builds
   * anything that would hold the record.
   */
  refusal(size: number, timeoutMs: number, signal?: AbortSignal): LanceError | undefined {
    if (!this.fits(size)) return new InvalidArgumentError(`record of ${size} bytes exceeds bufferMemory (${this.capacity})`);
    if (signal?.aborted) return new AbortedError('send aborted', { cause: signal.reason });
    if (this.waiters.length === 0 && this.used + size <= this.capacity) return undefined;
    // The first waiter always may wait (else a waiting budget below one record would refuse all).
    if (this.waiters.length > 0 && this.waitingUsed + size + WAITER_OVERHEAD > this.waitingCapacity) {
      // One error per episode of a full waiting budget: a caller that never awaits gets refused
      // hundreds of thousands of times, and an error each (with its stack) would be the very
      // memory growth this budget exists to stop.
      this.fullError ??= new BackpressureError(
        `bufferMemory (${this.capacity} bytes) is full and sends waiting for room already hold ${this.waitingCapacity} bytes (maxWaitingBytes): await your sends`,
      );
      return this.fullError;
    }
    return timeoutMs <= 0 ? this.blockedTooLong(timeoutMs) : undefined;
  }

  /**
   * Resolves once `size` bytes are reserved for the caller. Rejects at once with `refusal()`'s
   * error, with `BackpressureError` after `timeoutMs` without room, `AbortedError` when `signal`
   * fires, `ClosedError` on `close()`.
   */
  reserve(size: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const refused = this.refusal(size, timeoutMs, signal);
    if (refused !== undefined) return Promise.reject(refused);
    if (this.tryReserve(size)) return Promise.resolve();
    this.waitingUsed += size + WAITER_OVERHEAD;
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { size, resolve, reject, done: false, timer: undefined, cleanup: undefined };
      const fail = (err: LanceError): void => {
        if (w.done) return;
        this.finish(w);
        reject(err);
        // A failed head may have been blocking smaller waiters behind it.
        this.admit();
      };
      w.timer = this.scheduler.schedule(() => fail(this.blockedTooLong(timeoutMs)), timeoutMs);
      if (signal) {
        const onAbort = (): void => fail(new AbortedError('send aborted while waiting for buffer memory', { cause: signal.reason }));
        signal.addEventListener('abort', onAbort, { once: true });
        w.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.waiters.push(w);
    });
  }

  release(size: number): void {
    this.used -= size;
    if (this.waiters.length > 0) this.admit();
  }

  /** Rejects every waiter with `err` (default `ClosedError`). */
  close(err: LanceError = new ClosedError('producer closed while waiting for buffer memory')): void {
    for (const w of this.waiters.drain()) {
      if (w.done) continue;
      this.finish(w);
      w.reject(err);
    }
  }

  private admit(): void {
    for (;;) {
      const w = this.waiters.peek();
      if (w === undefined) return;
      if (w.done) {
        this.waiters.shift();
        continue;
      }
      if (this.used + w.size > this.capacity) return;
      this.waiters.shift();
      this.used += w.size;
      this.finish(w);
      w.resolve();
    }
  }

  private blockedTooLong(timeoutMs: number): BackpressureError {
    return new BackpressureError(`no room in bufferMemory (${this.capacity} bytes) within maxBlockMs (${timeoutMs} ms): acks are not coming back fast enough`);
  }

  private finish(w: Waiter): void {
    this.waitingUsed -= w.size + WAITER_OVERHEAD;
    this.fullError = undefined;
    w.done = true;
    w.timer?.unsubscribe();
    w.cleanup?.();
  }
}
