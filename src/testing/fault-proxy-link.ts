/** One proxied connection: the client's socket, the upstream one, the pipes between them. */
import type * as net from 'node:net';
import type { FrameCounter } from './fault-proxy-frames.js';
import type { Pipe } from './fault-proxy-pipe.js';

/** open: forwarding · dead: blackholed, reads and discards, never answers · closing: FIN sent · closed. */
export type LinkState = 'open' | 'dead' | 'closing' | 'closed';

export class Link {
  state: LinkState = 'open';
  server: net.Socket | undefined;
  up: Pipe | undefined;
  down: Pipe | undefined;
  /** A pending reset after a cut, cleared by stopPipes(). */
  timer: NodeJS.Timeout | undefined;
  /** For abortAfterFrames. */
  counter: FrameCounter | undefined;

  constructor(readonly client: net.Socket) {}

  get sides(): net.Socket[] {
    return this.server === undefined ? [this.client] : [this.client, this.server];
  }

  stopPipes(): void {
    clearTimeout(this.timer);
    this.up?.stop();
    this.down?.stop();
  }

  /** Blackholes the connection: drop what is held, keep reading and discarding, never answer. */
  kill(): void {
    this.state = 'dead';
    this.stopPipes();
    for (const socket of this.sides) socket.resume();
  }

  /** Tears down both legs, with RST by default (or a plain destroy when cleaning up after a dead link). */
  abort(reset = true): void {
    this.state = 'closed';
    this.stopPipes();
    for (const socket of this.sides) {
      if (reset) abortSocket(socket);
      else socket.destroy();
    }
  }

  /** FIN to both sides, as a server shutting down cleanly would; what the proxy still holds is dropped. */
  end(): void {
    this.state = 'closing';
    this.stopPipes();
    for (const socket of this.sides) {
      socket.end();
      socket.resume(); // keep reading (and discarding) so the peer's FIN is seen and the socket freed
    }
  }

  /**
   * Propagates a close from one leg to the other; true when both are gone and the link can be
   * forgotten.
   */
  closed(socket: net.Socket, hadError: boolean): boolean {
    const other = socket === this.client ? this.server : this.client;
    if (hadError && this.state === 'open') {
      // The peer reset (or the dial failed): tell the other side the same way.
      this.abort();
    } else if (this.state === 'dead' && socket === this.client) {
      this.abort(false);
    }
    if (other !== undefined && !other.destroyed) return false;
    this.state = 'closed';
    this.stopPipes();
    return true;
  }
}

/** RST where Node can send one; a socket still connecting (or already gone) is just destroyed. */
export function abortSocket(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (!socket.connecting && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  if (!socket.destroyed) socket.destroy();
}

export function parseTarget(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (colon <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`FaultProxy: expected "host:port", got "${address}"`);
  }
  return { host, port };
}
