/**
 * The FaultProxy's state and its forwarding: accepts a client, dials the target, and moves bytes
 * through the per-direction pipes under the faults in force. FaultProxy is the control surface
 * that sets those faults; this is what they act on.
 */
import * as net from 'node:net';
import { FrameCounter } from './fault-proxy-frames.js';
import { Link, abortSocket, parseTarget } from './fault-proxy-link.js';
import type { FaultDirection, FaultProxyOptions, FaultProxyStats, Framing } from './fault-proxy-options.js';
import { Pipe, type LegFaults } from './fault-proxy-pipe.js';

export type Leg = 'upstream' | 'downstream';

const DEFAULT_BOUND = 8 * 1024 * 1024;
/** Gap between the last bytes before a cut and the RST, so the reader sees them as two events. */
const CUT_RESET_DELAY_MS = 10;

export interface DropFault {
  bytes: number;
  once: boolean;
}

export class ProxyCore {
  readonly maxBuffered: number;
  target: { host: string; port: number };
  readonly links = new Set<Link>();
  /** Every socket not yet closed (including refused ones), so stop() can wait for them all. */
  readonly sockets = new Set<net.Socket>();
  readonly faults: Record<Leg, LegFaults> = { upstream: freshFaults(), downstream: freshFaults() };
  readonly drop: Record<Leg, DropFault | undefined> = { upstream: undefined, downstream: undefined };
  blackholed = false;
  refusing = false;
  frameDrop: { frames: number; framing: Framing } | undefined;
  stopped = false;
  readonly counters: FaultProxyStats = { accepted: 0, bytesUpstream: 0, bytesDownstream: 0, resets: 0 };

  constructor(options: FaultProxyOptions) {
    this.maxBuffered = options.maxBufferedBytes ?? DEFAULT_BOUND;
    this.target = parseTarget(options.target);
  }

  /** Arms (or with undefined disarms) a byte-count cut on `leg`, for live pipes and future ones. */
  setDrop(leg: Leg, fault: DropFault | undefined): void {
    this.drop[leg] = fault;
    for (const link of this.links) {
      const pipe = leg === 'upstream' ? link.up : link.down;
      if (pipe !== undefined) pipe.budget = fault?.bytes;
    }
  }

  clearFaults(): void {
    for (const leg of ['upstream', 'downstream'] as const) {
      Object.assign(this.faults[leg], freshFaults());
      this.setDrop(leg, undefined);
    }
    this.frameDrop = undefined;
    this.blackholed = false;
    this.refusing = false;
  }

  accept(client: net.Socket): void {
    this.counters.accepted++;
    this.track(client);
    if (this.stopped) {
      client.destroy();
      return;
    }
    if (this.refusing) {
      this.counters.resets++;
      abortSocket(client);
      return;
    }
    client.setNoDelay(true);
    const link = new Link(client);
    this.links.add(link);
    if (this.frameDrop !== undefined) link.counter = new FrameCounter(this.frameDrop.framing);
    client.on('data', (chunk: Buffer) => {
      if (link.state !== 'open') return;
      const drop = this.frameDrop;
      const end = drop !== undefined && link.counter !== undefined ? link.counter.feed(chunk, drop.frames) : -1;
      if (end < 0) {
        link.up?.push(chunk);
        return;
      }
      // The last frame goes through, then nothing more either way; RST once it is in the kernel.
      link.up?.push(chunk.subarray(0, end));
      this.counters.resets++;
      link.state = 'closing';
      link.down?.stop();
      link.timer = setTimeout(() => link.abort(), CUT_RESET_DELAY_MS);
    });
    client.on('end', () => {
      if (link.state === 'open') link.up?.pushEnd();
      else if (link.state === 'dead') link.abort(false); // the client gave up on the dead peer
    });
    client.on('close', (hadError) => link.closed(client, hadError) && this.links.delete(link));

    if (this.blackholed) {
      link.state = 'dead';
      return;
    }
    const server = net.connect({ ...this.target, allowHalfOpen: true });
    this.track(server);
    server.setNoDelay(true);
    link.server = server;
    server.on('data', (chunk: Buffer) => {
      if (link.state === 'open') link.down?.push(chunk);
    });
    server.on('end', () => {
      if (link.state === 'open') link.down?.pushEnd();
    });
    server.on('close', (hadError) => link.closed(server, hadError) && this.links.delete(link));

    link.up = this.pipe(link, 'upstream', client, server);
    link.down = this.pipe(link, 'downstream', server, client);
  }

  private pipe(link: Link, leg: Leg, source: net.Socket, dest: net.Socket): Pipe {
    const pipe = new Pipe(source, dest, this.faults[leg], this.maxBuffered, {
      forwarded: (bytes) => {
        if (leg === 'upstream') this.counters.bytesUpstream += bytes;
        else this.counters.bytesDownstream += bytes;
      },
      cut: (prefix) => this.cut(link, leg, dest, prefix),
    });
    pipe.budget = this.drop[leg]?.bytes;
    return pipe;
  }

  /** dropAfterBytes fired: deliver the last `prefix` bytes, then reset, so exactly the budget arrives. */
  private cut(link: Link, leg: Leg, dest: net.Socket, prefix: Buffer): void {
    for (const armed of ['upstream', 'downstream'] as const) {
      if (this.drop[armed]?.once) this.setDrop(armed, undefined);
    }
    this.counters.resets++;
    link.state = 'closing'; // stop forwarding either way while the prefix is written
    link.stopPipes();
    if (leg === 'upstream') this.counters.bytesUpstream += prefix.length;
    else this.counters.bytesDownstream += prefix.length;
    // Reset only once the prefix is in the kernel (an RST discards whatever is still unsent), and a
    // moment later: libuv reports an RST that arrives together with unread data as a plain EOF, so
    // without the gap the reader would usually see 'end' instead of ECONNRESET.
    dest.write(prefix, () => {
      if (link.state !== 'closing') return;
      link.timer = setTimeout(() => link.abort(), CUT_RESET_DELAY_MS);
    });
  }

  pumpAll(): void {
    for (const link of this.links) {
      link.up?.pump();
      link.down?.pump();
    }
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => {}); // surfaced through 'close'(hadError); never an uncaught 'error'
    socket.once('close', () => this.sockets.delete(socket));
  }
}

function freshFaults(): LegFaults {
  return { latencyMs: 0, jitterMs: 0, bytesPerSec: undefined, paused: false };
}

export function legs(direction: FaultDirection = 'both'): Leg[] {
  return direction === 'both' ? ['upstream', 'downstream'] : [direction];
}
