/**
 * A call on the control session within ONE deadline (`CallOptions.timeoutMs`): waiting for a
 * connection, every attempt and every backoff between attempts draw on it. Server-side transitions
 * (FORWARD_FAILED, NOT_LEADER) are retried; anything else goes to the caller.
 */
import {
  EMPTY,
  Observable,
  exhaustMap,
  filter,
  merge,
  retry,
  switchMap,
  take,
  throwError,
  throwIfEmpty,
  timeout,
  timer,
  catchError,
  defer,
} from 'rxjs';
import { ClosedError, ConnectionError, ForwardFailedError, NotLeaderError } from '../wire/errors.js';
import { withSignal } from './abort.js';
import { Deadline } from './deadline.js';
import type { LiveSession } from './live-session.js';
import { errorFields } from './logger.js';
import { backoffDelay } from './operators/backoff-delay.js';
import type { ResolvedOptions } from './options.js';
import type { SessionRole } from './session.js';
import type { ConnectionState } from './state.js';

export interface CallOptions {
  /**
   * The call's one deadline: waiting for a connection, every attempt and every retry of a
   * NOT_LEADER / FORWARD_FAILED reply included. Default `requestTimeoutMs`. When it passes, the call
   * fails with a `TimeoutError` whose `cause` is the last underlying failure.
   */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export type ControlCall<T> = (s: LiveSession, timeoutMs: number) => Observable<T>;

/** What a control call needs from its `Lance`. */
export interface ControlHost {
  readonly options: ResolvedOptions;
  readonly isClosed: boolean;
  /** Whether any server ever answered: until one has, a failed round of the seeds fails the call. */
  readonly everConnected: boolean;
  /** Completes… never; errors with ClosedError on close. */
  readonly closed$: Observable<never>;
  /** The live control session, if there is one right now (the hot path). */
  liveControl(): LiveSession | undefined;
  /** The control role's sessions (subscribing holds its socket). */
  control$(): Observable<LiveSession>;
  state$(role: SessionRole): Observable<ConnectionState>;
  lastConnectFailure(): unknown;
}

/** `call`, while holding a subscription to `hold$` (so a shared socket outlives its grace period). */
export function holding<T>(hold$: Observable<unknown>, call: Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const hold = hold$.subscribe({ error: () => undefined });
    const inner = call.subscribe(subscriber);
    return () => {
      inner.unsubscribe();
      hold.unsubscribe();
    };
  });
}

/**
 * Runs `call` on the control session, retrying server-side transitions (FORWARD_FAILED, NOT_LEADER)
 * within ONE deadline: waiting for a connection, every attempt and every backoff draw on the same
 * `timeoutMs`. Ends with ClosedError on close.
 */
export function controlCall<T>(
  h: ControlHost,
  call: ControlCall<T>,
  options: CallOptions,
  what: string,
): Observable<T> {
  const { scheduler, requestRetries, reconnect } = h.options;
  const timeoutMs = options.timeoutMs ?? h.options.requestTimeoutMs;
  const calls$ = defer(() => {
    const d = new Deadline(timeoutMs, scheduler, () => `${what} (servers ${h.options.servers.join(', ')})`);
    const attempt$ = defer(() => {
      d.attempts++;
      // Hot path (a live session): call it directly, no timer and no operator chain; close() reaches
      // the call through the session, which dies with ClosedError.
      const live = h.isClosed ? undefined : h.liveControl();
      return live ? holding(h.control$(), call(live, d.remaining())) : waitAndCall(h, call, d);
    });
    return attempt$.pipe(
      // A NOT_LEADER reply already ended the socket (live-session.ts), so the retry reaches the leader.
      retry<T>({
        delay: (err: unknown, n: number) => {
          if (!(err instanceof ForwardFailedError || err instanceof NotLeaderError) || n > requestRetries)
            return throwError(() => err);
          d.lastError = err;
          const wait = backoffDelay(n, reconnect);
          h.options.logger.info('lnc-client: cluster in transition, retrying the request', {
            command: what,
            attempt: n,
            delayMs: Math.round(wait),
            ...(err instanceof NotLeaderError && err.leaderAddr !== undefined ? { leader: err.leaderAddr } : {}),
            ...errorFields(err),
          });
          return d.exceededBy(wait) ? throwError(() => d.error()) : merge(timer(wait, scheduler), h.closed$);
        },
      }),
      catchError((err: unknown) => throwError(() => d.explain(err))),
    );
  });
  return withSignal(calls$, options.signal);
}

/**
 * The slow path: no live control session. Wait for one (within the deadline), then hold session$
 * while the call is in flight; session$ completes on close(), hence throwIfEmpty. While no server
 * has ever answered, one failed round of the seed list ends the call with that failure: waiting
 * cannot help a wrong address, and a caller deserves ECONNREFUSED now rather than a timeout later.
 */
function waitAndCall<T>(h: ControlHost, call: ControlCall<T>, d: Deadline): Observable<T> {
  const servers = h.options.servers;
  const gaveUp$ =
    h.everConnected || h.options.waitForConnection
      ? EMPTY
      : h.state$('control').pipe(
          filter((s) => s.type === 'reconnecting' && s.attempt >= servers.length),
          switchMap((s) =>
            throwError(() => {
              const cause = s.type === 'reconnecting' ? s.error : undefined;
              const detail = cause instanceof Error ? `: ${cause.message}` : '';
              return new ConnectionError(`no server reachable (tried ${servers.join(', ')})${detail}`, { cause });
            }),
          ),
        );
  const connected$ = h.control$().pipe(
    // Only the wait: the call has its own deadline (timeoutAfter's `each` would also time the gap
    // to the next session while the call is in flight).
    timeout({
      first: d.remaining(),
      with: () => throwError(() => d.error(d.lastError ?? h.lastConnectFailure())),
      scheduler: h.options.scheduler,
    }),
    exhaustMap((s) => call(s, d.remaining())),
  );
  return merge(connected$, gaveUp$).pipe(
    take(1),
    throwIfEmpty(() => new ClosedError('the client was closed')),
  );
}
