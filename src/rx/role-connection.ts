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
import { isRetryable, reconnect } from './reconnect.js';
import { TlsVerificationError } from '../transport/errors.js';
import type { ServerRing } from './server-ring.js';
import type { SessionRole } from './session.js';
import type { ConnectionState } from './state.js';
import { logConnectionState } from './logger.js';
import { type ConnectionDiagnostic, connectionChannel } from './diagnostics.js';

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
  /** The role's state changed (feeds `Lance.states$()` without observing each role's state). */
  readonly changed?: () => void;
}

export class RoleConnection {
  readonly state: BehaviorSubject<ConnectionState>;
  readonly session$: Observable<LiveSession>;
  private epoch = 0;
  private live: LiveSession | undefined;

  constructor(
    readonly role: SessionRole,
    ctx: RoleContext,
  ) {
    this.state = new BehaviorSubject<ConnectionState>({ type: 'closed', role });
    const { options } = ctx;
    // Logged where it changes, not by subscribing: whether `state` is observed decides when the
    // role may be forgotten (Lance.role).
    const set = (s: ConnectionState): void => {
      this.state.next(s);
      logConnectionState(options.logger, s);
      if (connectionChannel.hasSubscribers)
        connectionChannel.publish({ role, state: s } satisfies ConnectionDiagnostic);
      ctx.changed?.();
    };

    // Servers whose TLS certificate was refused in this run of reconnects: a refusal is a
    // configuration problem, so such a server is not tried again; the others are, once each, and
    // when none is left the refusal ends the role (and the call). Cleared once a session is up.
    const refused = new Set<string>();
    const skip = (address: string): boolean => refused.has(address);
    const attempt$ = defer(() => {
      const address = ctx.ring.pick(skip) ?? ctx.ring.pick()!;
      set({ type: 'connecting', role, address });
      return openSession({
        address,
        options,
        token: ctx.token,
        nextEpoch: () => ++this.epoch,
        teardownReason: (): LanceError =>
          ctx.isClosed()
            ? new ClosedError('the client was closed')
            : new ConnectionError(`the ${role} connection was released (no more users)`),
      }).pipe(
        tap({
          next: (s) => {
            refused.clear();
            this.live = s;
            ctx.connected?.();
            set({ type: 'connected', role, address, epoch: s.epoch });
          },
          // Any role that learns the leader (a producer's ingest answered NOT_LEADER, say) sends every
          // role's next socket there; otherwise move on to the next seed.
          error: (err: unknown) => {
            if (err instanceof TlsVerificationError) refused.add(address);
            if (err instanceof NotLeaderError && err.leaderAddr !== undefined) ctx.ring.redirectTo(err.leaderAddr);
            else ctx.ring.failed(address);
          },
        }),
      );
    });

    const shared = defer(() => {
      refused.clear();
      return attempt$.pipe(
        reconnect({
          ...options.reconnect,
          scheduler: options.scheduler,
          onRetry: ({ attempt, delayMs, error }) => set({ type: 'reconnecting', role, attempt, delayMs, error }),
          // A refused certificate is fatal for that server, not for the seeds not tried yet.
          shouldRetry: (error) =>
            isRetryable(error) || (error instanceof TlsVerificationError && !ctx.ring.exhausted(skip)),
        }),
      );
    }).pipe(
      takeUntil(ctx.closing$),
      tap({ error: (error: unknown) => set({ type: 'closed', role, error }) }),
      finalize(() => {
        this.live = undefined;
        if (this.state.value.type !== 'closed') set({ type: 'closed', role });
        ctx.released?.();
      }),
      share<LiveSession>({
        connector: () => new ReplaySubject<LiveSession>(1),
        resetOnError: true,
        resetOnComplete: true,
        resetOnRefCountZero: () => timer(options.graceMs, options.scheduler),
      }),
    );

    this.session$ = defer(() =>
      ctx.isClosed() ? throwError(() => new ClosedError('the client is closed')) : shared,
    ).pipe(
      // The replayed session may have died since; its successor will come.
      filter((s) => !s.closed),
    );
  }

  /** The live session, if any (for `kill` on redirects). */
  get current(): LiveSession | undefined {
    return this.live && !this.live.closed ? this.live : undefined;
  }
}
