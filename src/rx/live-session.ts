/**
 * The core's `Session`: one socket after it opened (and authenticated). It matches control replies to
 * requests FIFO (the wire has no request ids, PROTOCOL.md §6.2), sends a Keepalive after silence and
 * treats its echo as a pong (never answering the server's, §6.1), and dies as a whole: a request or
 * pong that times out poisons the socket, because every later reply would be matched to the wrong
 * request.
 */
import { hexCode } from '../wire/bytes.js';
import { type SchedulerLike, type Subscriber, type Subscription, Observable, Subject } from 'rxjs';
import type { Transport } from '../transport/types.js';
import { Command } from '../wire/constants.js';
import { commandName, commandOf, encodeControl, encodeKeepalive, frameKind } from '../wire/control.js';
import { ConnectionError, LanceError, NotLeaderError, TimeoutError } from '../wire/errors.js';
import { errorFromServerText } from '../wire/classify.js';
import type { Frame } from '../wire/frame.js';
import { fromUtf8 } from '../wire/bytes.js';
import { FETCH_REQUEST_SIZE, FETCH_RESPONSE_HEADER, decodeFetch, encodeFetch } from '../wire/payloads/fetch.js';
import { idleKeepalive } from './operators/idle-keepalive.js';
import { requestChannel, traced } from './diagnostics.js';
import type { Session } from './session.js';

export interface LiveSessionInit {
  readonly epoch: number;
  readonly address: string;
  readonly transport: Transport;
  readonly scheduler: SchedulerLike;
  readonly requestTimeoutMs: number;
  /** 0 disables the idle keepalive. */
  readonly keepaliveMs: number;
  /** Told once, when the session dies, with the reason. */
  readonly onDead: (error: LanceError) => void;
  /**
   * Raises the socket decoder's payload limit for a reply this session asked for (a FetchResponse
   * is 16 + max_bytes); returns the limit now in force (`FrameDecoder.allowPayload`).
   */
  readonly allowReplyPayload?: (payloadLength: number) => number;
}

/** A request (or a keepalive) waiting for its reply; `subscriber` is gone once the caller left. */
interface Pending<T> {
  readonly command: number;
  subscriber: Subscriber<T> | undefined;
  deadline: Subscription | undefined;
  readonly sentAt: number;
}

const KEEPALIVE = encodeKeepalive();

export class LiveSession implements Session {
  readonly epoch: number;
  readonly address: string;
  readonly frames$: Observable<Frame>;
  readonly drain$: Observable<void>;
  private readonly frames = new Subject<Frame>();
  private readonly drains = new Subject<void>();
  private readonly activity = new Subject<void>();
  private readonly requests: Pending<Frame>[] = [];
  private readonly pings: Pending<number>[] = [];
  private readonly keepalive: Subscription | undefined;
  private failure: LanceError | undefined;

  constructor(private readonly init: LiveSessionInit) {
    this.epoch = init.epoch;
    this.address = init.address;
    this.frames$ = this.frames.asObservable();
    this.drain$ = this.drains.asObservable();
    if (init.keepaliveMs > 0) {
      this.keepalive = idleKeepalive(this.activity, { idleMs: init.keepaliveMs, scheduler: init.scheduler }).subscribe(
        () => this.sendPing(undefined, init.requestTimeoutMs),
      );
    }
  }

  /** True once the socket is gone; `error` says why. */
  get closed(): boolean {
    return this.failure !== undefined;
  }
  get error(): LanceError | undefined {
    return this.failure;
  }
  send(frame: Uint8Array): boolean {
    return this.failure ? false : this.init.transport.write(frame);
  }

  request$(command: number, payload?: Uint8Array, timeoutMs = this.init.requestTimeoutMs): Observable<Frame> {
    const call$ = new Observable<Frame>((subscriber) => {
      if (this.failure) return subscriber.error(this.failure);
      const bytes = encodeControl(command, command === Command.FETCH ? this.fitFetch(payload) : payload);
      this.enqueue(
        this.requests,
        command,
        subscriber,
        timeoutMs,
        `no reply to command ${hexCode(command)} from ${this.address} within ${timeoutMs} ms`,
      );
      this.init.transport.write(bytes);
    });
    if (!requestChannel.hasSubscribers) return call$;
    return call$.pipe(
      traced(requestChannel, () => ({ command: commandName(command), code: command, server: this.address })),
    );
  }

  /** Round trip of one Keepalive, in ms (performance.now). A missing echo kills the session. */
  ping$(timeoutMs = this.init.requestTimeoutMs): Observable<number> {
    return new Observable<number>((subscriber) => {
      if (this.failure) return subscriber.error(this.failure);
      this.sendPing(subscriber, timeoutMs);
    });
  }

  kill(reason?: unknown): void {
    this.die(
      reason instanceof LanceError
        ? reason
        : new ConnectionError(`session to ${this.address} killed`, reason === undefined ? {} : { cause: reason }),
    );
  }

  // ----- fed by the socket -----

  receive(frame: Frame): void {
    if (this.failure) return;
    this.activity.next();
    const kind = frameKind(frame);
    // Keepalive echoes are the core's pongs: never forwarded, never answered (§6.1).
    if (kind === 'keepalive') return this.settle(this.pings.shift(), performance.now());
    this.frames.next(frame);
    if (this.failure) return; // an engine killed us while handling the frame
    if (kind === 'control') this.reply(this.requests.shift(), frame);
    // The Unsubscribe reply is an Ack whose batch id is the consumer id (§2.3.14).
    else if (kind === 'ack' && this.requests[0]?.command === Command.UNSUBSCRIBE)
      this.reply(this.requests.shift(), frame);
  }

  drained(): void {
    if (!this.failure) this.drains.next();
  }

  /** Ends everything at once: pending requests, pings and streams all get `error`. Idempotent. */
  die(error: LanceError): void {
    if (this.failure) return;
    this.failure = error;
    this.keepalive?.unsubscribe();
    for (const p of this.requests.splice(0)) this.fail(p, error);
    for (const p of this.pings.splice(0)) this.fail(p, error);
    this.init.transport.close();
    this.frames.error(error);
    this.drains.error(error);
    this.init.onDead(error);
  }

  // ----- internals -----

  /**
   * Whatever the server stored, we can read: the reply to a Fetch is 16 + max_bytes, which for a
   * fetch of 16 MiB or more is above the default frame limit, so the limit grows before the request
   * goes out. If the ceiling stops it, max_bytes shrinks to what we can receive (the server returns
   * "up to max_bytes" anyway, and the consumer continues from `next_offset`).
   */
  private fitFetch(payload: Uint8Array | undefined): Uint8Array | undefined {
    const allow = this.init.allowReplyPayload;
    // A malformed Fetch goes out as given: the server's answer to it is the caller's to handle.
    if (!allow || !payload || payload.length < FETCH_REQUEST_SIZE) return payload;
    const request = decodeFetch(payload);
    const granted = allow(FETCH_RESPONSE_HEADER + request.maxBytes);
    if (granted >= FETCH_RESPONSE_HEADER + request.maxBytes) return payload;
    return encodeFetch({ ...request, maxBytes: Math.max(0, granted - FETCH_RESPONSE_HEADER) });
  }

  private sendPing(subscriber: Subscriber<number> | undefined, timeoutMs: number): void {
    this.enqueue(
      this.pings,
      Command.ERROR_RESPONSE,
      subscriber,
      timeoutMs,
      `no keepalive echo from ${this.address} within ${timeoutMs} ms (dead peer)`,
    );
    this.init.transport.write(KEEPALIVE);
  }

  private enqueue<T>(
    queue: Pending<T>[],
    command: number,
    subscriber: Subscriber<T> | undefined,
    timeoutMs: number,
    message: string,
  ): void {
    const p: Pending<T> = { command, subscriber, deadline: undefined, sentAt: performance.now() };
    p.deadline = this.init.scheduler.schedule(() => this.timedOut(queue, p, message), timeoutMs);
    queue.push(p);
    // The caller leaving must not cancel the deadline: an unanswered request still poisons the FIFO.
    subscriber?.add(() => {
      p.subscriber = undefined;
    });
  }

  private timedOut<T>(queue: Pending<T>[], p: Pending<T>, message: string): void {
    const i = queue.indexOf(p);
    if (i < 0 || this.failure) return;
    queue.splice(i, 1);
    const timeout = new TimeoutError(message);
    p.subscriber?.error(timeout);
    this.die(new ConnectionError(`connection to ${this.address} poisoned: ${message}`, { cause: timeout }));
  }

  private reply(p: Pending<Frame> | undefined, frame: Frame): void {
    if (!p) return; // an ErrorResponse to an ingest (producer sessions read those on frames$)
    p.deadline?.unsubscribe();
    const s = p.subscriber;
    if (frameKind(frame) === 'control' && commandOf(frame) === Command.ERROR_RESPONSE) {
      const err = errorFromServerText(fromUtf8(frame.payload));
      s?.error(err);
      // The server says this node is the wrong one: whoever asked, this socket's role reconnects
      // to the named leader (or the next seed), which role-connection does on a session error.
      if (err instanceof NotLeaderError) this.kill(err);
    } else if (s) {
      s.next(frame);
      s.complete();
    }
  }

  private settle(p: Pending<number> | undefined, now: number): void {
    if (!p) return; // a keepalive we did not ask for: ignore it, never echo (§6.1)
    p.deadline?.unsubscribe();
    p.subscriber?.next(now - p.sentAt);
    p.subscriber?.complete();
  }

  private fail<T>(p: Pending<T>, error: LanceError): void {
    p.deadline?.unsubscribe();
    p.subscriber?.error(error);
  }
}
