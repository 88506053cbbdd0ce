/**
 * One role's connection: `session$` is cold and shared (first subscriber opens the socket, the last
 * one leaving closes it after `graceMs`), reconnects with backoff after retryable failures, fails over
 * between seeds, and publishes its `ConnectionState`. It replays the current live session to late
 * subscribers and emits each new one after a reconnect.
 */
import {
  type Observable,
  BehaviorSubject,
  ReplaySubject,
  defer,
  filter,
  finalize,
  share,
  takeUntil,
  tap,
  throwError,
  timer,
} from 'rxjs';
import { ClosedError, ConnectionError, type LanceError, NotLeaderError } from '../wire/errors.js';
import type { LiveSession } from './live-session.js';
import { openSession } from './open-session.js';
import type { ResolvedOptions } from './options.js';
import { reconnect } from './reconnect.js';
import type { ServerRing } from './server-ring.js';
import type { SessionRole } from './session.js';
import type { ConnectionState } from './state.js';

export interface RoleContext {
  readonly options: ResolvedOptions;
  readonly ring: ServerRing;
  readonly token: () => string | undefined;
  readonly closing$: Observable<void>;
  readonly isClosed: () => boolean;
  /** A session of this role went live. */
  readonly connected?: () => void;
  /** The role's socket was released (last user gone after the grace period, or a fatal error). */
  readonly released?: () => void;
}

export class RoleConnection {
  readonly state: BehaviorSubject<ConnectionState>;
  readonly session$: Observable<LiveSession>;
  private epoch = 0;
  private live: LiveSession | undefined;

  constructor(readonly role: SessionRole, ctx: RoleContext) {
    this.state = new BehaviorSubject<ConnectionState>({ type: 'closed', role });
    const { options } = ctx;

    const attempt$ = defer(() => {
      const address = ctx.ring.pick();
      this.state.next({ type: 'connecting', role, address });
      return openSession({
        address,
        options,
        token: ctx.token,
        nextEpoch: () => ++this.epoch,
        teardownReason: (): LanceError =>
          ctx.isClosed() ? new ClosedError('the client was closed') : new ConnectionError(`the ${role} connection was released (no more users)`),
      }).pipe(
        tap({
          next: (s) => {
            this.live = s;
            ctx.connected?.();
            this.state.next({ type: 'connected', role, address, epoch: s.epoch });
          },
          // Any role that learns the leader (a producer's ingest answered NOT_LEADER, say) sends every
          // role's next socket there; otherwise move on to the next seed.
          error: (err: unknown) =>
            err instanceof NotLeaderError && err.leaderAddr !== undefined ? ctx.ring.redirectTo(err.leaderAddr) : ctx.ring.failed(address),
        }),
      );
    });

    const shared = attempt$.pipe(
      reconnect({
        ...options.reconnect,
        scheduler: options.scheduler,
        onRetry: ({ attempt, delayMs, error }) => this.state.next({ type: 'reconnecting', role, attempt, delayMs, error }),
      }),
      takeUntil(ctx.closing$),
      tap({ error: (error: unknown) => this.state.next({ type: 'closed', role, error }) }),
      finalize(() => {
        this.live = undefined;
        if (this.state.value.type !== 'closed') this.state.next({ type: 'closed', role });
        ctx.released?.();
      }),
      share<LiveSession>({
        connector: () => new ReplaySubject<LiveSession>(1),
        resetOnError: true,
        resetOnComplete: true,
        resetOnRefCountZero: () => timer(options.graceMs, options.scheduler),
      }),
    );

    this.session$ = defer(() => (ctx.isClosed() ? throwError(() => new ClosedError('the client is closed')) : shared)).pipe(
      // The replayed session may have died since; its successor will come.
      filter((s) => !s.closed),
    );
  }

  /** The live session, if any (for `kill` on redirects). */
  get current(): LiveSession | undefined {
    return this.live && !this.live.closed ? this.live : undefined;
  }
}
