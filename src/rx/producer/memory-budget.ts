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
import {
  AbortedError,
  BackpressureError,
  ClosedError,
  InvalidArgumentError,
  type LanceError,
} from '../../wire/errors.js';
import { Deque } from './deque.js';

/** What a waiting send costs besides its record (waiter, promises, closures): tiny records count too. */
const WAITER_OVERHEAD = 256;

/**
 * One waiting send. Kept to this object, one Promise and the caller's `take`: waiting sends are
 * what a caller that never awaits piles up, so every closure or promise per waiter counts.
 */
interface Waiter {
  readonly size: number;
  /** `scheduler.now()` after which it fails with BackpressureError; Infinity for a barrier. */
  readonly deadline: number;
  readonly timeoutMs: number;
  /** Runs once the bytes are reserved; its result settles the waiter's promise. */
  readonly take: (() => unknown) | undefined;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  done: boolean;
  cleanup: (() => void) | undefined;
}

export class MemoryBudget {
  private used = 0;
  private waitingUsed = 0;
  private fullError: BackpressureError | undefined;
  private readonly waiters = new Deque<Waiter>();
  /**
   * One timer for the whole line, armed for the head's deadline: a timer per waiter cost more than
   * a small record itself. Deadlines are expected in arrival order (the Promise producer gives every
   * send the same maxBlockMs); a waiter whose deadline is earlier than those ahead of it fails when
   * they leave the line.
   */
  private timer: Subscription | undefined;
  private armedFor = Infinity;
  /** Waiters admitted whose `take` has not run yet: they are still ahead of any new send. */
  private admitted = 0;

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

  /** Sends in line: waiting, or admitted and about to be taken. A new send goes behind them. */
  get waiting(): number {
    return this.waiters.length + this.admitted;
  }

  /** Why `size` bytes can never fit, or undefined when they can. */
  oversize(size: number): InvalidArgumentError | undefined {
    return size <= this.capacity
      ? undefined
      : new InvalidArgumentError(`record of ${size} bytes exceeds bufferMemory (${this.capacity})`);
  }

  /** Reserves at once if there is room and nobody is waiting ahead. */
  tryReserve(size: number): boolean {
    if (this.waiters.length > 0 || this.admitted > 0 || this.used + size > this.capacity) return false;
    this.used += size;
    return true;
  }

  /**
   * Why a reservation of `size` would be refused at once (no room now, and waiting is not
   * allowed), or undefined when `reserve` would take or wait. Lets a caller refuse before it builds
   * anything that would hold the record.
   */
  refusal(size: number, timeoutMs: number, signal?: AbortSignal): LanceError | undefined {
    const oversize = this.oversize(size);
    if (oversize !== undefined) return oversize;
    if (signal?.aborted) return new AbortedError('send aborted', { cause: signal.reason });
    if (this.waiting === 0 && this.used + size <= this.capacity) return undefined;
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
   * Reserves `size` bytes for the caller, in line, then runs `take` (in a microtask, in line order)
   * and resolves with its result; if `take` throws, the bytes are released and the promise rejects.
   * Rejects at once with `refusal()`'s error, with `BackpressureError` after `timeoutMs` without
   * room, `AbortedError` when `signal` fires, `ClosedError` on `close()`.
   */
  reserve<T = void>(
    size: number,
    timeoutMs: number,
    signal?: AbortSignal,
    take?: () => T | PromiseLike<T>,
  ): Promise<T> {
    const refused = this.refusal(size, timeoutMs, signal);
    if (refused !== undefined) return Promise.reject(refused);
    if (this.tryReserve(size)) {
      try {
        return Promise.resolve(take?.() as T | PromiseLike<T>);
      } catch (err) {
        this.release(size);
        return Promise.reject(err);
      }
    }
    this.waitingUsed += size + WAITER_OVERHEAD;
    return this.enqueue<T>(size, this.scheduler.now() + timeoutMs, timeoutMs, take, signal);
  }

  /**
   * Resolves once every send in line now has left it (taken or failed); at once when none waits.
   * Never rejects. `flush()` waits on it so that sends queued before it are in its batches.
   */
  barrier(): Promise<void> {
    if (this.waiting === 0) return Promise.resolve();
    // Only admitted sends left: their takes are queued microtasks, so one queued now runs after them.
    if (this.waiters.length === 0) return new Promise((resolve) => queueMicrotask(resolve));
    return this.enqueue<void>(0, Infinity, 0, undefined, undefined);
  }

  private enqueue<T>(
    size: number,
    deadline: number,
    timeoutMs: number,
    take: (() => T | PromiseLike<T>) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const w: Waiter = {
        size,
        deadline,
        timeoutMs,
        take,
        resolve: resolve as (v: unknown) => void,
        reject,
        done: false,
        cleanup: undefined,
      };
      if (signal) {
        const onAbort = (): void => {
          if (w.done) return;
          this.finish(w);
          reject(new AbortedError('send aborted while waiting for buffer memory', { cause: signal.reason }));
          // A failed head may have been blocking smaller waiters behind it.
          this.admit();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        w.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.waiters.push(w);
      this.arm();
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
      if (w.deadline === Infinity) w.resolve(undefined);
      else w.reject(err);
    }
    this.arm();
  }

  private admit(): void {
    for (;;) {
      const w = this.liveHead();
      if (w === undefined || this.used + w.size > this.capacity) break;
      this.waiters.shift();
      this.used += w.size;
      this.finish(w);
      // In a microtask, as a promise callback would run: `take` may produce and settle batches,
      // which must not re-enter this loop. Microtasks keep the line's order.
      this.admitted++;
      queueMicrotask(() => this.run(w));
    }
    this.arm();
  }

  private run(w: Waiter): void {
    this.admitted--;
    try {
      w.resolve(w.take?.());
    } catch (err) {
      this.release(w.size);
      w.reject(err);
    }
  }

  /** The first waiter still waiting (done ones, e.g. aborted, are dropped from the front). */
  private liveHead(): Waiter | undefined {
    for (;;) {
      const w = this.waiters.peek();
      if (w === undefined || !w.done) return w;
      this.waiters.shift();
    }
  }

  /** Keeps the one timer set for the head's deadline, and none while nobody waits. */
  private arm(): void {
    const head = this.liveHead();
    if (head === undefined) {
      this.timer?.unsubscribe();
      this.timer = undefined;
      this.armedFor = Infinity;
      return;
    }
    if (this.timer !== undefined && this.armedFor <= head.deadline) return;
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.armedFor = Infinity;
    if (head.deadline === Infinity) return; // a barrier at the head is admitted by the next admit()
    this.armedFor = head.deadline;
    this.timer = this.scheduler.schedule(() => this.expire(), Math.max(0, head.deadline - this.scheduler.now()));
  }

  /** Fails every waiter at the front whose deadline has passed, then re-arms. */
  private expire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.scheduler.now();
    for (;;) {
      const w = this.liveHead();
      if (w === undefined || w.deadline > now) break;
      this.waiters.shift();
      this.finish(w);
      w.reject(this.blockedTooLong(w.timeoutMs));
    }
    // Expired heads may have been blocking smaller waiters behind them.
    this.admit();
  }

  private blockedTooLong(timeoutMs: number): BackpressureError {
    return new BackpressureError(
      `no room in bufferMemory (${this.capacity} bytes) within maxBlockMs (${timeoutMs} ms): acks are not coming back fast enough`,
    );
  }

  private finish(w: Waiter): void {
    if (w.deadline !== Infinity) this.waitingUsed -= w.size + WAITER_OVERHEAD;
    this.fullError = undefined;
    w.done = true;
    w.cleanup?.();
  }
}
