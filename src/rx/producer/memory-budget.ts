/**
 * The producer's memory bound: bytes of records accepted but not yet settled (queued, encoded,
 * in flight). Reserved when a record is accepted, released when its batch settles.
 *
 * `tryReserve` is the synchronous check of the Rx face. `reserve` is the Promise face's wait for
 * room: waiters are served strictly in arrival order (a small record never overtakes a big one, so
 * `send()` order is the delivery order), each bounded by a timeout and an optional AbortSignal.
 * Waiters are the only queue, and each one is a caller's pending `send()`.
 */
import { type SchedulerLike, type Subscription } from 'rxjs';
import { AbortedError, ClosedError, InvalidArgumentError, type LanceError, TimeoutError } from '../../wire/errors.js';
import { Deque } from './deque.js';

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
  private readonly waiters = new Deque<Waiter>();

  constructor(
    readonly capacity: number,
    private readonly scheduler: SchedulerLike,
  ) {}

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
   * Resolves once `size` bytes are reserved for the caller. Rejects with `TimeoutError` after
   * `timeoutMs`, `AbortedError` when `signal` fires, `ClosedError` on `close()`.
   */
  reserve(size: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (!this.fits(size)) return Promise.reject(new InvalidArgumentError(`record of ${size} bytes exceeds bufferMemory (${this.capacity})`));
    if (signal?.aborted) return Promise.reject(new AbortedError('send aborted', { cause: signal.reason }));
    if (this.tryReserve(size)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { size, resolve, reject, done: false, timer: undefined, cleanup: undefined };
      const fail = (err: LanceError): void => {
        if (w.done) return;
        this.finish(w);
        reject(err);
        // A failed head may have been blocking smaller waiters behind it.
        this.admit();
      };
      w.timer = this.scheduler.schedule(
        () => fail(new TimeoutError(`no room in bufferMemory (${this.capacity} bytes) within ${timeoutMs} ms: acks are not coming back fast enough`)),
        timeoutMs,
      );
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

  private finish(w: Waiter): void {
    w.done = true;
    w.timer?.unsubscribe();
    w.cleanup?.();
  }
}
