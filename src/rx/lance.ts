/**
 * `Lance`: the reactive client. Nothing connects until something subscribes; each role (`'control'`
 * for admin requests, `'producer:<n>'`, `'consumer:<n>'` for engines) has its own shared socket.
 *
 * @example
 * const lance = new Lance({ servers: ['127.0.0.1:1992'] });
 * lance.state$().subscribe((s) => console.log(s.type));
 * const reply = await lance.request(Command.LIST_TOPICS);
 * await lance.close();
 */
import { EMPTY, Observable, ReplaySubject, Subject, catchError, defer, exhaustMap, filter, map, merge, retry, startWith, switchMap, take, throwError, throwIfEmpty, timeout, timer } from 'rxjs';
import { type Health, summarizeHealth } from './health.js';
import { errorFields } from './logger.js';
import { ClosedError, ConnectionError, ForwardFailedError, NotLeaderError } from '../wire/errors.js';
import { commandName } from '../wire/control.js';
import { Deadline } from './deadline.js';
import { Command } from '../wire/constants.js';
import { encodeAuthenticate } from '../wire/payloads/auth.js';
import type { Frame } from '../wire/frame.js';
import { backoffDelay } from './operators/backoff-delay.js';
import { toPromise, withSignal } from './abort.js';
import { checkAuthReply, redactError } from './auth-reply.js';
import type { LiveSession } from './live-session.js';
import { type LanceOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { RoleConnection } from './role-connection.js';
import { ServerRing } from './server-ring.js';
import type { Session, SessionRole } from './session.js';
import type { ConnectionState } from './state.js';
import { consumeTopic } from './consumer/consume-topic.js';
import type { ConsumeOptions } from './consumer/options.js';
import type { RecordBatch } from './consumer/record-batch.js';
import { nextConsumerRole } from './consumer/role.js';
import type { SeekPosition } from './consumer/seek-position.js';
import { hostedProducer, type RxProducer } from './producer/create-producer.js';
import type { ProducerOptions } from './producer/options.js';
import { asyncDispose } from './dispose.js';

export interface CallOptions {
  /**
   * The call's one deadline: waiting for a connection, every attempt and every retry of a
   * NOT_LEADER / FORWARD_FAILED reply included. Default `requestTimeoutMs`. When it passes, the call
   * fails with a `TimeoutError` whose `cause` is the last underlying failure.
   */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Something built on a `Lance` that `close()` must drain first (producers, consumers of the Promise face). */
export interface Drainable {
  close(options?: { readonly timeoutMs?: number }): Promise<void>;
}

export interface CloseOptions {
  /**
   * The most the whole close may take. For a `Lance`: producers get this long to deliver what they
   * hold, and what is still unacked then fails with ClosedError; default each producer's
   * `closeTimeoutMs` (≤ 10 s). `StandaloneConsumer.close` takes it too (see there).
   */
  readonly timeoutMs?: number;
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


export class Lance {
  readonly options: ResolvedOptions;
  #token: string | undefined;
  private readonly ring: ServerRing;
  private readonly roles = new Map<SessionRole, RoleConnection>();
  /** Ticks when any role's state changes or a role is forgotten. */
  private readonly stateChanges = new Subject<void>();
  private readonly closing = new ReplaySubject<void>(1);
  private readonly drainables = new Set<Drainable>();
  private closed = false;
  /** Some role reached a server once: from then on, a call waits out reconnects (within its deadline). */
  private everConnected = false;
  private readonly closed$: Observable<never>;

  constructor(options: LanceOptions = {}) {
    this.options = resolveOptions(options);
    this.#token = options.token;
    this.ring = new ServerRing(this.options.servers);
    this.closed$ = this.closing.pipe(switchMap(() => throwError(() => new ClosedError('the client was closed'))));
  }

  /**
   * Live sessions of `role`: the current one at once (if any), then a new one after every reconnect.
   * Retryable failures are absorbed (reconnect with backoff); a fatal one (authentication refused,
   * invalid bytes from the server, refused TLS certificate, retries exhausted) errors the stream.
   * Completes on `close()`.
   */
  session$(role: SessionRole = 'control'): Observable<Session> {
    return this.liveSession$(role);
  }

  /** Every frame received by `role`'s sockets, across reconnects (keepalive echoes excepted). */
  frames$(role: SessionRole = 'control'): Observable<Frame> {
    return this.liveSession$(role).pipe(switchMap((s) => s.frames$.pipe(catchError(() => EMPTY))));
  }

  /**
   * The first live session of `role`. Unlike `session$` it gives up (errors with the last failure)
   * once `failAfterAttempts` consecutive attempts failed; default: one per seed server.
   */
  ready$(role: SessionRole = 'control', failAfterAttempts = this.options.servers.length): Observable<Session> {
    const givesUp$ = this.state$(role).pipe(
      filter((s) => s.type === 'reconnecting' && s.attempt >= failAfterAttempts),
      switchMap((s) => throwError(() => (s.type === 'reconnecting' ? s.error : undefined))),
    );
    return merge(this.liveSession$(role), givesUp$).pipe(take(1));
  }

  /** Roles with a connection or state subscribers right now (for leak checks). */
  get activeRoles(): number {
    return this.roles.size;
  }

  /**
   * Every role's connection state (control, each consumer, each producer), the current map first and
   * again on every change; completes when the Lance is closed. Watching it does not keep released
   * roles alive.
   */
  states$(): Observable<ReadonlyMap<SessionRole, ConnectionState>> {
    return this.stateChanges.pipe(
      startWith(undefined),
      map(() => this.snapshot()),
    );
  }

  /** `up`, `degraded` or `down`, with the failing roles and why: for health endpoints. */
  health(): Health {
    return summarizeHealth(this.snapshot());
  }

  private snapshot(): ReadonlyMap<SessionRole, ConnectionState> {
    return new Map([...this.roles].map(([role, r]) => [role, r.state.value]));
  }

  /** `role`'s connection state, the current one first. */
  state$(role: SessionRole = 'control'): Observable<ConnectionState> {
    return this.role(role).state.asObservable();
  }

  /**
   * A control request on the 'control' socket. Retried with backoff when the server answers
   * FORWARD_FAILED (cluster in transition) or NOT_LEADER (after reconnecting to the named leader);
   * any other error, including a lost connection (outcome unknown), goes to the caller.
   */
  request$(command: number, payload?: Uint8Array, options: CallOptions = {}): Observable<Frame> {
    return this.withRetries((s, timeoutMs) => s.request$(command, payload, timeoutMs), options, commandName(command));
  }

  request(command: number, payload?: Uint8Array, options: CallOptions = {}): Promise<Frame> {
    return toPromise(this.request$(command, payload, options));
  }

  /**
   * Record batches of topic `id` from `from` (default: the beginning, or the stored offset when
   * `options.offsetStore` has one). Pull-based: the next Fetch goes out once the previous batch was
   * delivered, so a slow subscriber slows fetching. Each subscription has its own socket.
   *
   * @example
   * lance.topic$(1).pipe(toRecords(), filter((r) => r.type === RecordType.JSON), map((r) => JSON.parse(r.text())))
   */
  topic$(id: number, from?: SeekPosition | bigint | number, options: ConsumeOptions = {}): Observable<RecordBatch> {
    return defer(() =>
      consumeTopic(
        this.session$(nextConsumerRole()),
        id,
        { requestTimeoutMs: this.options.requestTimeoutMs, logger: this.options.logger, ...options, ...(from === undefined ? {} : { from }) },
        this.options.scheduler,
      ),
    );
  }

  /**
   * A producer for topic `topicId`: an Observer you `next()` records into, batched by size and
   * linger, pipelined on its own socket, with one outcome per record on `acks$`. At-least-once:
   * batches whose outcome is unknown after a connection loss are resent.
   *
   * @example
   * const producer = lance.producer(1);
   * producer.acks$.subscribe((o) => o.type !== 'acked' && console.error(o));
   * from(events).pipe(map((e) => JSON.stringify(e))).subscribe(producer);
   */
  producer(topicId: number, options: ProducerOptions = {}): RxProducer {
    if (this.closed) throw new ClosedError('the client is closed');
    return hostedProducer(this, topicId, { requestTimeoutMs: this.options.requestTimeoutMs, logger: this.options.logger, ...options });
  }

  /**
   * Registers `d` to be closed (drained) by `close()` before the sockets go; returns the function
   * that forgets it, for when `d` closes on its own. Used by the Promise shells built on this core.
   */
  adopt(d: Drainable): () => void {
    if (this.closed) throw new ClosedError('the client is closed');
    this.drainables.add(d);
    return () => void this.drainables.delete(d);
  }

  /** Keepalive round trip on the control socket, in ms. */
  ping$(options: CallOptions = {}): Observable<number> {
    return this.withRetries((s, timeoutMs) => s.ping$(timeoutMs), options, 'ping');
  }

  ping(options: CallOptions = {}): Promise<number> {
    return toPromise(this.ping$(options));
  }

  /**
   * Authenticates the control socket with `token` and keeps it for every later socket of every
   * role (sent first thing after each reconnect). A refusal is an `AuthenticationError`.
   */
  async authenticate(token: string, options: CallOptions = {}): Promise<void> {
    this.#token = token;
    let reply: Frame;
    try {
      reply = await this.request(Command.AUTHENTICATE, encodeAuthenticate(token), options);
    } catch (err) {
      throw redactError(err, token);
    }
    checkAuthReply(reply, token, 'the server');
  }

  /**
   * Drains every producer built on this client (partial batches sent, acks awaited up to
   * `timeoutMs`, then the rest failed with ClosedError on their outcomes and promises), then closes
   * every socket and timer; other pending operations fail with ClosedError. Idempotent; always resolves.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Only yield when there is something to drain: with none, sockets close synchronously here.
    if (this.drainables.size > 0) {
      const drain = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
      await Promise.allSettled([...this.drainables].map((d) => d.close(drain)));
    }
    this.closing.next();
    this.closing.complete();
    for (const r of this.roles.values()) r.state.complete();
    this.stateChanges.next(); // the final map: every role closed
    this.stateChanges.complete();
    // Let destroyed sockets release their handles before the caller checks for leaks.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  [asyncDispose](): Promise<void> {
    return this.close();
  }

  // ----- internals -----

  private role(role: SessionRole): RoleConnection {
    let r = this.roles.get(role);
    if (!r) {
      const created: RoleConnection = new RoleConnection(role, {
        options: this.options,
        ring: this.ring,
        token: () => this.#token,
        closing$: this.closing,
        isClosed: () => this.closed,
        connected: () => {
          this.everConnected = true;
        },
        // Engines get a fresh role each ('consumer:7'), so forget one once its socket is released
        // and nobody watches its state$: a long-lived Lance that re-subscribes topic$ all day must
        // not accumulate them. A watched role is kept, so its state$ keeps reporting reconnects.
        released: () => {
          if (role !== 'control' && this.roles.get(role) === created && !created.state.observed) {
            this.roles.delete(role);
            this.stateChanges.next();
          }
        },
        changed: () => this.stateChanges.next(),
      });
      r = created;
      this.roles.set(role, r);
    }
    return r;
  }

  private liveSession$(role: SessionRole): Observable<LiveSession> {
    return defer(() => (this.closed ? throwError(() => new ClosedError('the client is closed')) : this.role(role).session$));
  }

  /**
   * Runs `call` on the control session, retrying server-side transitions (FORWARD_FAILED, NOT_LEADER)
   * within ONE deadline: waiting for a connection, every attempt and every backoff draw on the same
   * `timeoutMs`. Ends with ClosedError on close.
   */
  private withRetries<T>(call: (s: LiveSession, timeoutMs: number) => Observable<T>, options: CallOptions, what: string): Observable<T> {
    const { scheduler, requestRetries, reconnect } = this.options;
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    const calls$ = defer(() => {
      const d = new Deadline(timeoutMs, scheduler, () => `${what} (servers ${this.options.servers.join(', ')})`);
      const attempt$ = defer(() => {
        d.attempts++;
        // Hot path (a live session): call it directly, no timer and no operator chain; close() reaches
        // the call through the session, which dies with ClosedError.
        const live = this.closed ? undefined : this.roles.get('control')?.current;
        return live ? holding(this.liveSession$('control'), call(live, d.remaining())) : this.waitAndCall(call, d);
      });
      return attempt$.pipe(
        // A NOT_LEADER reply already ended the socket (live-session.ts), so the retry reaches the leader.
        retry<T>({
          delay: (err: unknown, n: number) => {
            if (!(err instanceof ForwardFailedError || err instanceof NotLeaderError) || n > requestRetries) return throwError(() => err);
            d.lastError = err;
            const wait = backoffDelay(n, reconnect);
            this.options.logger.info('lnc-client: cluster in transition, retrying the request', {
              command: what,
              attempt: n,
              delayMs: Math.round(wait),
              ...(err instanceof NotLeaderError && err.leaderAddr !== undefined ? { leader: err.leaderAddr } : {}),
              ...errorFields(err),
            });
            return d.exceededBy(wait) ? throwError(() => d.error()) : merge(timer(wait, scheduler), this.closed$);
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
  private waitAndCall<T>(call: (s: LiveSession, timeoutMs: number) => Observable<T>, d: Deadline): Observable<T> {
    const servers = this.options.servers;
    const gaveUp$ =
      this.everConnected || this.options.waitForConnection
        ? EMPTY
        : this.state$('control').pipe(
            filter((s) => s.type === 'reconnecting' && s.attempt >= servers.length),
            switchMap((s) =>
              throwError(() => {
                const cause = s.type === 'reconnecting' ? s.error : undefined;
                const detail = cause instanceof Error ? `: ${cause.message}` : '';
                return new ConnectionError(`no server reachable (tried ${servers.join(', ')})${detail}`, { cause });
              }),
            ),
          );
    const connected$ = this.liveSession$('control').pipe(
      // Only the wait: the call has its own deadline (timeoutAfter's `each` would also time the gap
      // to the next session while the call is in flight).
      timeout({ first: d.remaining(), with: () => throwError(() => d.error(d.lastError ?? this.lastConnectFailure())), scheduler: this.options.scheduler }),
      exhaustMap((s) => call(s, d.remaining())),
    );
    return merge(connected$, gaveUp$).pipe(take(1), throwIfEmpty(() => new ClosedError('the client was closed')));
  }

  /** Why the control role is not connected, if it knows. */
  private lastConnectFailure(): unknown {
    const s = this.roles.get('control')?.state.value;
    return s?.type === 'reconnecting' || s?.type === 'closed' ? s.error : undefined;
  }
}
