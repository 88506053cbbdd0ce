import {
  type MonoTypeOperatorFunction,
  type SchedulerLike,
  asyncScheduler,
  defer,
  retry,
  tap,
  throwError,
  timer,
} from 'rxjs';
import { ServerCatchingUpError } from '../../wire/errors.js';

export interface CatchingUpOptions {
  /** Wait before fetching again, in ms. Default 5000 (the Rust consumer's fixed CatchingUp sleep). */
  readonly delayMs?: number;
  /**
   * Consecutive CatchingUp errors without the server offset growing after which the error is
   * surfaced. Default 3 (the Rust client gives up when it sees the same offset 3 times in a row).
   * 1 surfaces the first CatchingUp error without waiting.
   */
  readonly maxStalls?: number;
  /** Called before each wait, with the consecutive stall count (1 for the first). */
  readonly onCatchingUp?: (info: { readonly serverOffset: bigint; readonly stalls: number }) => void;
  readonly scheduler?: SchedulerLike;
}

/**
 * Waits and resubscribes when a fetch loop errors with `ServerCatchingUpError` (our offset is past
 * the server's end: PROTOCOL.md §2.3.12, §3.4), and gives up when the server is not catching up.
 *
 * If the server's offset does not grow over `maxStalls` consecutive CatchingUp errors, the offset
 * we ask for is itself wrong (retention shifted offsets, a bogus seek) and waiting forever would
 * hang the consumer, so the `ServerCatchingUpError` is surfaced for the caller to re-seek. Any
 * growth of the server offset, and any value from the source, restarts the count. Other errors
 * pass through untouched (put `retryWithBackoff` after this operator for those).
 *
 * @example
 * fetchLoop$.pipe(catchingUp({ delayMs: 5_000, maxStalls: 3 }), retryWithBackoff());
 */
export function catchingUp<T>(opts: CatchingUpOptions = {}): MonoTypeOperatorFunction<T> {
  const { delayMs = 5_000, maxStalls = 3, onCatchingUp } = opts;
  const scheduler = opts.scheduler ?? asyncScheduler;
  return (source) =>
    defer(() => {
      // Per subscription, so a later subscriber does not inherit an earlier one's stalls.
      let stalls = 0;
      let lastOffset: bigint | undefined;
      return source.pipe(
        tap(() => {
          stalls = 0;
          lastOffset = undefined;
        }),
        retry<T>({
          delay: (err) => {
            if (!(err instanceof ServerCatchingUpError)) return throwError(() => err);
            const grew = lastOffset !== undefined && err.serverOffset > lastOffset;
            stalls = grew ? 1 : stalls + 1;
            lastOffset = err.serverOffset;
            if (stalls >= maxStalls) return throwError(() => err);
            onCatchingUp?.({ serverOffset: err.serverOffset, stalls });
            return timer(delayMs, scheduler);
          },
        }),
      );
    });
}
