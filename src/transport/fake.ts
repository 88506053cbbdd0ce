/**
 * An in-memory transport for tests: every connect attempt becomes a `FakeSocket` the test drives
 * (open it, push bytes at it, fail it) and inspects (what the client wrote). Events are delivered
 * through an injectable `defer` so marble tests can put them in virtual time:
 * `new FakeNetwork({ defer: (fn, ms) => scheduler.schedule(fn, ms) })`.
 */
import { ConnectionError } from '../wire/errors.js';
import type { Connector, Transport, TransportHandlers, TransportTarget } from './types.js';

export type Defer = (fn: () => void, delayMs: number) => void;

export interface FakeNetworkOptions {
  /** How asynchronous events are delivered. Default: a macrotask (`setTimeout(fn, ms)`). */
  readonly defer?: Defer;
  /**
   * Decides each connect attempt: 'open' (after `openDelayMs`), 'refuse' (a ConnectionError), or
   * 'hang' (nothing happens until the test acts). Default 'open'.
   */
  readonly accept?: (target: TransportTarget, attempt: number) => 'open' | 'refuse' | 'hang';
  readonly openDelayMs?: number;
  /** Called for every write, e.g. to play a scripted server that answers. */
  readonly onWrite?: (socket: FakeSocket, bytes: Uint8Array) => void;
}

export class FakeSocket implements Transport {
  readonly written: Uint8Array[] = [];
  /** Value returned by `write`; set false to simulate a full buffer. */
  writable = true;
  private done = false;

  constructor(
    readonly target: TransportTarget,
    private readonly handlers: TransportHandlers,
    private readonly network: FakeNetwork,
  ) {}

  get address(): string {
    return `${this.target.host}:${this.target.port}`;
  }
  get closed(): boolean {
    return this.done;
  }

  write(bytes: Uint8Array): boolean {
    if (this.done) return false;
    this.written.push(bytes);
    this.network.options.onWrite?.(this, bytes);
    return this.writable;
  }

  close(): void {
    this.finish(undefined);
  }

  // ----- driven by the test -----
  open(): void {
    if (!this.done) this.handlers.opened();
  }
  receive(bytes: Uint8Array): void {
    if (!this.done) this.handlers.data(bytes);
  }
  drain(): void {
    if (!this.done) this.handlers.drained();
  }
  /** The peer goes away (reset, EOF or refusal), as the node transport reports it. */
  fail(error: Error = new ConnectionError(`connection to ${this.address} closed by the server`)): void {
    this.finish(error);
  }
  private finish(error: Error | undefined): void {
    if (this.done) return;
    this.done = true;
    this.handlers.closed(error);
  }
}

export class FakeNetwork {
  readonly sockets: FakeSocket[] = [];
  constructor(readonly options: FakeNetworkOptions = {}) {}

  get last(): FakeSocket | undefined {
    return this.sockets[this.sockets.length - 1];
  }
  /** Sockets still open. */
  get open(): FakeSocket[] {
    return this.sockets.filter((s) => !s.closed);
  }

  readonly connector: Connector = (target, handlers) => {
    const socket = new FakeSocket(target, handlers, this);
    const attempt = this.sockets.push(socket);
    const verdict = this.options.accept?.(target, attempt) ?? 'open';
    const defer = this.options.defer ?? ((fn, ms) => void setTimeout(fn, ms));
    if (verdict === 'open') defer(() => socket.open(), this.options.openDelayMs ?? 0);
    if (verdict === 'refuse')
      defer(() => socket.fail(new ConnectionError(`connection to ${socket.address} refused`)), 0);
    return socket;
  };
}
