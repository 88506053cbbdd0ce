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
import { EMPTY, Observable, ReplaySubject, catchError, defer, filter, merge, switchMap, take, throwError } from 'rxjs';
import { type Health, summarizeHealth } from './health.js';
import { ClosedError } from '../wire/errors.js';
import { commandName } from '../wire/control.js';
import { Command } from '../wire/constants.js';
import { encodeAuthenticate } from '../wire/payloads/auth.js';
import type { Frame } from '../wire/frame.js';
import { toPromise } from './abort.js';
import { checkAuthReply, redactError } from './auth-reply.js';
import type { LiveSession } from './live-session.js';
import { type LanceOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { RoleRegistry } from './role-registry.js';
import { ServerRing } from './server-ring.js';
import type { Session, SessionRole } from './session.js';
import type { ConnectionState } from './state.js';
import { consumeTopic } from './consumer/consume-topic.js';
import type { ConsumeOptions } from './consumer/options.js';
import type { RecordBatch } from './consumer/record-batch.js';
import { nextConsumerRole } from './consumer/role.js';
import { roleState$, withStates } from './role-state.js';
import type { SeekPosition } from './consumer/seek-position.js';
import { hostedProducer, type RxProducer } from './producer/create-producer.js';
import type { ProducerOptions } from './producer/options.js';
import { asyncDispose } from './dispose.js';
import type { CloseOptions, Drainable } from './drainable.js';
import { type CallOptions, type ControlCall, type ControlHost, controlCall } from './control-call.js';

export type { CallOptions } from './control-call.js';

export type { CloseOptions, Drainable } from './drainable.js';

export class Lance {
  readonly options: ResolvedOptions;
  private readonly roles: RoleRegistry;
  #token: string | undefined;
  private readonly ring: ServerRing;
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
    this.roles = new RoleRegistry({
      options: this.options,
      ring: this.ring,
      token: () => this.#token,
      closing$: this.closing,
      isClosed: () => this.closed,
      connected: () => {
        this.everConnected = true;
      },
    });
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
    return this.roles.states$();
  }

  /** `up`, `degraded` or `down`, with the failing roles and why: for health endpoints. */
  health(): Health {
    return summarizeHealth(this.roles.snapshot());
  }

  /** `role`'s connection state, the current one first. */
  state$(role: SessionRole = 'control'): Observable<ConnectionState> {
    return this.roles.get(role).state.asObservable();
  }

  /**
   * A control request on the 'control' socket. Retried with backoff when the server answers
   * FORWARD_FAILED (cluster in transition) or NOT_LEADER (after reconnecting to the named leader);
   * any other error, including a lost connection (outcome unknown), goes to the caller.
   */
  request$(command: number, payload?: Uint8Array, options: CallOptions = {}): Observable<Frame> {
    return this.controlCall((s, timeoutMs) => s.request$(command, payload, timeoutMs), options, commandName(command));
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
    return defer(() => {
      const role = nextConsumerRole();
      const batches$ = consumeTopic(
        this.session$(role),
        id,
        {
          requestTimeoutMs: this.options.requestTimeoutMs,
          logger: this.options.logger,
          ...options,
          ...(from === undefined ? {} : { from }),
        },
        this.options.scheduler,
      );
      return options.onState === undefined ? batches$ : withStates(batches$, roleState$(this, role), options.onState);
    });
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
    return hostedProducer(this, topicId, {
      requestTimeoutMs: this.options.requestTimeoutMs,
      logger: this.options.logger,
      ...options,
    });
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
    return this.controlCall((s, timeoutMs) => s.ping$(timeoutMs), options, 'ping');
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
    this.roles.closeAll();
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

  private liveSession$(role: SessionRole): Observable<LiveSession> {
    return defer(() =>
      this.closed ? throwError(() => new ClosedError('the client is closed')) : this.roles.get(role).session$,
    );
  }

  /** What control calls see of this client; one object for the client's life. */
  private readonly controlHost: ControlHost = ((lance: Lance): ControlHost => ({
    // Getters: this object is built before the constructor has set the fields it reads.
    get options() {
      return lance.options;
    },
    get closed$() {
      return lance.closed$;
    },
    get isClosed() {
      return lance.closed;
    },
    get everConnected() {
      return lance.everConnected;
    },
    liveControl: () => lance.roles.find('control')?.current,
    control$: () => lance.liveSession$('control'),
    state$: (role) => lance.state$(role),
    lastConnectFailure: () => lance.lastConnectFailure(),
  }))(this);

  /** `call` on the control session within one deadline (control-call.ts). */
  private controlCall<T>(call: ControlCall<T>, options: CallOptions, what: string): Observable<T> {
    return controlCall(this.controlHost, call, options, what);
  }

  /** Why the control role is not connected, if it knows. */
  private lastConnectFailure(): unknown {
    const s = this.roles.find('control')?.state.value;
    return s?.type === 'reconnecting' || s?.type === 'closed' ? s.error : undefined;
  }
}
