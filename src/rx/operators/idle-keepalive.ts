import { type SchedulerAction, type SchedulerLike, Observable, asyncScheduler } from 'rxjs';

export interface IdleKeepaliveOptions {
  /** Silence after which a tick is emitted, in ms. Default 10000 (both official clients). */
  readonly idleMs?: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Emits a tick each time `idleMs` passes with no `activity$` (and no tick), so the connection core
 * sends a Keepalive only after silence (PROTOCOL.md §6.1: the server never kicks idle clients; the
 * ping is for dead-peer detection). The countdown starts on subscribe and restarts at every
 * activity and after every tick. Completes or errors with `activity$`.
 *
 * Activity only stamps the time (no timer is cancelled per frame); the single timer checks the
 * stamp when it fires and sleeps again for the remainder.
 *
 * @example
 * idleKeepalive(framesIn$, { idleMs: 10_000 }).subscribe(() => send(keepaliveFrame));
 */
export function idleKeepalive(activity$: Observable<unknown>, opts: IdleKeepaliveOptions = {}): Observable<void> {
  const { idleMs = 10_000 } = opts;
  const scheduler = opts.scheduler ?? asyncScheduler;
  return new Observable<void>((subscriber) => {
    let lastActive = scheduler.now();
    subscriber.add(
      activity$.subscribe({
        next: () => {
          lastActive = scheduler.now();
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
    subscriber.add(
      scheduler.schedule(function check(this: SchedulerAction<undefined>) {
        const idle = scheduler.now() - lastActive;
        if (idle >= idleMs) {
          lastActive = scheduler.now();
          subscriber.next();
          this.schedule(undefined, idleMs);
        } else {
          this.schedule(undefined, idleMs - idle);
        }
      }, idleMs),
    );
  });
}
