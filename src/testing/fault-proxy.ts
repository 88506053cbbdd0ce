/**
 * FaultProxy — a TCP proxy for loopback tests that sits between a client and a server and injects
 * network faults: latency, bandwidth caps, resets, graceful closes, dead peers, mid-stream cuts,
 * stalls, refused connections and target changes. It moves bytes only and knows nothing of LWP
 * frames, so it can attack any client's resilience.
 *
 *   const proxy = await FaultProxy.start({ target: '127.0.0.1:1992' });
 *   connect(proxy.address) … proxy.resetAll() … await proxy.stop();
 *
 * Directions: `upstream` is client → server, `downstream` is server → client; `both` (the default)
 * applies a fault to each direction independently.
 *
 * Faults set with setLatency / setBandwidth / pause / dropAfterBytes / blackhole / refuseConnections
 * stay in force, for live and future connections, until changed or `clear()`ed. resetAll / closeAll
 * act once on the connections live at the call.
 */
import * as net from 'node:net';
import { Pipe, type LegFaults } from './fault-proxy-pipe.js';

export type FaultDirection = 'both' | 'upstream' | 'downstream';

export interface FaultProxyOptions {
  /** "host:port" (or "[v6]:port") the proxy connects each accepted client to. */
  target: string;
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Listen port; default 0 (an ephemeral port, read it back from `port`). */
  port?: number;
  /**
   * Per connection and per direction, the most bytes the proxy holds (paused, delayed, throttled) before
   * it stops reading from the sender; reading resumes at half. Default 8 MiB. Node's socket buffers
   * add at most a few tens of KiB on top.
   */
  maxBufferedBytes?: number;
}

export interface FaultProxyStats {
  /** Client connections accepted (including refused ones). */
  accepted: number;
  /** Bytes forwarded client → server. */
  bytesUpstream: number;
  /** Bytes forwarded server → client. */
  bytesDownstream: number;
  /** Client connections the proxy reset as a fault (resetAll, dropAfterBytes, refuseConnections). */
  resets: number;
}

export interface DirectionOptions {
  direction?: FaultDirection;
}

export interface LatencyOptions extends DirectionOptions {
  /** Extra uniform random delay in [0, jitterMs) per chunk; order is still preserved. */
  jitterMs?: number;
}

export interface DropAfterOptions extends DirectionOptions {
  /** Disarm after the first cut (so a reconnect gets through); default false: every connection is cut. */
  once?: boolean;
}

type Leg = 'upstream' | 'downstream';

/**
 * How the client's byte stream splits into frames, supplied by the test so the proxy stays
 * protocol-agnostic: a fixed-size header, and the whole frame's length read from it.
 */
export interface Framing {
  readonly headerBytes: number;
  frameBytes(header: Buffer): number;
}

/** Counts client → server frames of one connection across chunk boundaries. */
class FrameCounter {
  frames = 0;
  /** Bytes left of the current frame once its header is known; 0 while reading a header. */
  private left = 0;
  private header: Buffer[] = [];
  private headerHave = 0;

  constructor(private readonly framing: Framing) {}

  /** Feeds `chunk`; returns the offset just after the frame that makes the count reach `n`, or -1. */
  feed(chunk: Buffer, n: number): number {
    let o = 0;
    while (o < chunk.length) {
      if (this.left === 0) {
        const take = Math.min(this.framing.headerBytes - this.headerHave, chunk.length - o);
        this.header.push(chunk.subarray(o, o + take));
        this.headerHave += take;
        o += take;
        if (this.headerHave < this.framing.headerBytes) return -1;
        const header = Buffer.concat(this.header);
        this.header = [];
        this.headerHave = 0;
        this.left = this.framing.frameBytes(header) - this.framing.headerBytes;
        if (this.left > 0) continue;
      } else {
        const take = Math.min(this.left, chunk.length - o);
        this.left -= take;
        o += take;
        if (this.left > 0) return -1;
      }
      this.left = 0;
      if (++this.frames >= n) return o;
    }
    return -1;
  }
}

const DEFAULT_BOUND = 8 * 1024 * 1024;
/** Gap between the last bytes before a dropAfterBytes cut and the RST, so the reader sees them as two events. */
const CUT_RESET_DELAY_MS = 10;

interface DropFault {
  bytes: number;
  once: boolean;
}

/** open: forwarding · dead: blackholed, reads and discards, never answers · closing: FIN sent · closed. */
type LinkState = 'open' | 'dead' | 'closing' | 'closed';

/** One client connection and its upstream leg. */
interface Link {
  state: LinkState;
  readonly client: net.Socket;
  server: net.Socket | undefined;
  up: Pipe | undefined;
  down: Pipe | undefined;
  /** A pending dropAfterBytes reset, cleared by stop(). */
  timer?: NodeJS.Timeout;
  /** For abortAfterFrames. */
  counter?: FrameCounter;
}

export class FaultProxy {
  private readonly listener: net.Server;
  private readonly maxBuffered: number;
  /** The listening address, kept so port/address still answer after stop(). */
  private listening: net.AddressInfo = { address: '', family: '', port: 0 };
  private target: { host: string; port: number };
  private readonly links = new Set<Link>();
  /** Every socket not yet closed (including refused ones), so stop() can wait for them all. */
  private readonly sockets = new Set<net.Socket>();
  private readonly faults: Record<Leg, LegFaults> = { upstream: freshFaults(), downstream: freshFaults() };
  private readonly drop: Record<Leg, DropFault | undefined> = { upstream: undefined, downstream: undefined };
  private blackholed = false;
  private refusing = false;
  private frameDrop: { frames: number; framing: Framing } | undefined;
  private stopped = false;
  private readonly counters: FaultProxyStats = { accepted: 0, bytesUpstream: 0, bytesDownstream: 0, resets: 0 };

  private constructor(listener: net.Server, options: FaultProxyOptions) {
    this.listener = listener;
    this.maxBuffered = options.maxBufferedBytes ?? DEFAULT_BOUND;
    this.target = parseAddress(options.target);
    listener.on('connection', (socket) => this.accept(socket));
  }

  /** Listens and resolves once the port is known, so a test can hand `address` to its client right away. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    // allowHalfOpen: a client's FIN is forwarded as a FIN, not turned into a full close by Node.
    const listener = net.createServer({ allowHalfOpen: true });
    const proxy = new FaultProxy(listener, options);
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        listener.off('error', reject);
        proxy.listening = listener.address() as net.AddressInfo;
        resolve();
      });
    });
    return proxy;
  }

  /** The listening port (useful with port 0). Still readable after stop(), for messages and asserts. */
  get port(): number {
    return this.listening.port;
  }

  /** "host:port" clients should dial — the same form the client's `address` options take. */
  get address(): string {
    const { address, port } = this.listening;
    return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  }

  /** Live client connections (accepted, not refused, client side not yet closed). */
  get connections(): number {
    let n = 0;
    for (const link of this.links) if (!link.client.destroyed) n++;
    return n;
  }

  /** A snapshot, so a test can compare before/after without aliasing. */
  get stats(): FaultProxyStats {
    return { ...this.counters };
  }

  /**
   * Adds a one-way delay (plus optional jitter) to every chunk, as a long link would: RTT grows by twice
   * `ms` with `both`. Order is preserved. Applies to bytes read from now on; 0 removes it.
   */
  setLatency(ms: number, options: LatencyOptions = {}): void {
    for (const leg of legs(options.direction)) {
      this.faults[leg].latencyMs = Math.max(0, ms);
      this.faults[leg].jitterMs = Math.max(0, options.jitterMs ?? 0);
    }
  }

  /** Caps throughput per connection and direction (a slow link); undefined removes the cap. */
  setBandwidth(bytesPerSec: number | undefined, options: DirectionOptions = {}): void {
    if (bytesPerSec !== undefined && !(bytesPerSec > 0)) throw new RangeError('bytesPerSec must be > 0');
    for (const leg of legs(options.direction)) this.faults[leg].bytesPerSec = bytesPerSec;
    this.pumpAll();
  }

  /** Aborts every connection with RST on both legs: a crashed peer or a middlebox dropping state. */
  resetAll(): void {
    for (const link of this.links) {
      if (link.state === 'closed') continue;
      this.counters.resets++;
      this.abortLink(link);
    }
  }

  /**
   * Closes every connection gracefully: FIN to both client and server, as a server shutting down
   * cleanly would. Bytes the proxy still holds (paused, delayed) are discarded; bytes already written
   * are delivered. Each socket is released once its peer answers with its own FIN.
   */
  closeAll(): void {
    for (const link of this.links) {
      if (link.state === 'closed' || link.state === 'closing') continue;
      link.state = 'closing';
      this.stopPipes(link);
      for (const socket of sidesOf(link)) {
        socket.end();
        socket.resume(); // keep reading (and discarding) so the peer's FIN is seen and the socket freed
      }
    }
  }

  /**
   * Turns the far side into a dead peer: nothing passes in either direction and nothing is ever closed,
   * so only a keepalive/timeout can notice. Live connections die (their in-flight bytes are lost) and stay
   * dead even after `blackhole(false)`, as a crashed host never comes back on the same connection; new
   * connections are accepted but never dialled upstream while it is on. The proxy still reads and
   * discards what the client sends, so when the client gives up (FIN/RST) its connection is released.
   * For a stall that heals without loss, use pause()/resume().
   */
  blackhole(on: boolean): void {
    this.blackholed = on;
    if (!on) return;
    for (const link of this.links) if (link.state === 'open') this.kill(link);
  }

  /**
   * Forwards `bytes` more bytes in each selected direction of each connection (live ones from now,
   * new ones from accept), then resets the connection — cutting a frame in the middle. The cut happens
   * when byte `bytes + 1` would be forwarded, so exactly `bytes` arrive. undefined disarms.
   */
  dropAfterBytes(bytes: number | undefined, options: DropAfterOptions = {}): void {
    const fault = bytes === undefined ? undefined : { bytes: Math.max(0, Math.floor(bytes)), once: options.once ?? false };
    for (const leg of legs(options.direction)) {
      this.drop[leg] = fault;
      for (const link of this.links) {
        const pipe = leg === 'upstream' ? link.up : link.down;
        if (pipe !== undefined) pipe.budget = fault?.bytes;
      }
    }
  }

  /**
   * Every connection (live ones counting from now, new ones from accept) is aborted with RST on both
   * legs right after its `frames`-th client → server frame is forwarded: the server gets exactly
   * that many whole frames, and whatever it answers after them is lost. Frames are delimited by
   * `framing` (the proxy knows no protocol). Stays armed until undefined or `clear()`.
   */
  abortAfterFrames(frames: number | undefined, framing?: Framing): void {
    if (frames === undefined) {
      this.frameDrop = undefined;
      return;
    }
    if (!Number.isInteger(frames) || frames < 1 || framing === undefined) throw new RangeError('abortAfterFrames: frames must be an integer >= 1, with a framing');
    this.frameDrop = { frames, framing };
    for (const link of this.links) link.counter = new FrameCounter(framing);
  }

  /**
   * Stops forwarding (a stall or partition that heals) while keeping every byte: they are buffered up
   * to `maxBufferedBytes` per direction, then the sender is paused so TCP pushes back. Nothing closes.
   */
  pause(options: DirectionOptions = {}): void {
    for (const leg of legs(options.direction)) this.faults[leg].paused = true;
  }

  /** Ends a pause(): everything held is delivered in order (still subject to latency/bandwidth). */
  resume(options: DirectionOptions = {}): void {
    for (const leg of legs(options.direction)) this.faults[leg].paused = false;
    this.pumpAll();
  }

  /** While on, new connections are accepted then immediately reset (a server that is up but rejects). */
  refuseConnections(on: boolean): void {
    this.refusing = on;
  }

  /** Sends future connections to another address (a leader change); live ones keep their server. */
  setTarget(address: string): void {
    this.target = parseAddress(address);
  }

  /**
   * Removes every fault (latency, bandwidth, pause, drop, blackhole, refuse) so a test can heal the
   * network. Held bytes flow again at once, in order, even those stamped with an old latency.
   * Connections already blackholed stay dead; the target is kept.
   */
  clear(): void {
    for (const leg of ['upstream', 'downstream'] as const) Object.assign(this.faults[leg], freshFaults());
    this.dropAfterBytes(undefined);
    this.frameDrop = undefined;
    this.blackholed = false;
    this.refusing = false;
    for (const link of this.links) {
      link.up?.release();
      link.down?.release();
    }
  }

  /** Closes the listener and destroys every socket and timer; resolves when no handle is left open. */
  async stop(): Promise<void> {
    this.stopped = true;
    const listenerClosed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    for (const link of this.links) {
      link.state = 'closed';
      this.stopPipes(link);
    }
    const closed = [...this.sockets].map((socket) => {
      const done = socket.closed ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.destroy();
      return done;
    });
    await Promise.all([listenerClosed, ...closed]);
    this.links.clear();
  }

  private accept(client: net.Socket): void {
    this.counters.accepted++;
    this.track(client);
    if (this.stopped) {
      client.destroy();
      return;
    }
    if (this.refusing) {
      this.counters.resets++;
      abort(client);
      return;
    }
    client.setNoDelay(true);
    const link: Link = { state: 'open', client, server: undefined, up: undefined, down: undefined };
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
      link.timer = setTimeout(() => this.abortLink(link), CUT_RESET_DELAY_MS);
    });
    client.on('end', () => {
      if (link.state === 'open') link.up?.pushEnd();
      else if (link.state === 'dead') this.abortLink(link, false); // the client gave up on the dead peer
    });
    client.on('close', (hadError) => this.onClose(link, client, hadError));

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
    server.on('close', (hadError) => this.onClose(link, server, hadError));

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
      if (this.drop[armed]?.once) this.dropAfterBytes(undefined, { direction: armed });
    }
    this.counters.resets++;
    link.state = 'closing'; // stop forwarding either way while the prefix is written
    this.stopPipes(link);
    if (leg === 'upstream') this.counters.bytesUpstream += prefix.length;
    else this.counters.bytesDownstream += prefix.length;
    // Reset only once the prefix is in the kernel (an RST discards whatever is still unsent), and a
    // moment later: libuv reports an RST that arrives together with unread data as a plain EOF, so
    // without the gap the reader would usually see 'end' instead of ECONNRESET.
    dest.write(prefix, () => {
      if (link.state !== 'closing') return;
      link.timer = setTimeout(() => this.abortLink(link), CUT_RESET_DELAY_MS);
    });
  }

  /** Propagates a close from one leg to the other, and forgets the link when both are gone. */
  private onClose(link: Link, socket: net.Socket, hadError: boolean): void {
    const other = socket === link.client ? link.server : link.client;
    if (hadError && link.state === 'open') {
      // The peer reset (or the dial failed): tell the other side the same way.
      this.abortLink(link);
    } else if (link.state === 'dead' && socket === link.client) {
      this.abortLink(link, false);
    }
    if (other === undefined || other.destroyed) {
      link.state = 'closed';
      this.stopPipes(link);
      this.links.delete(link);
    }
  }

  /** Blackholes one connection: drop what is held, keep reading and discarding, never answer. */
  private kill(link: Link): void {
    link.state = 'dead';
    this.stopPipes(link);
    for (const socket of sidesOf(link)) socket.resume();
  }

  /** Tears down both legs, with RST by default (or a plain destroy when cleaning up after a dead link). */
  private abortLink(link: Link, reset = true): void {
    link.state = 'closed';
    this.stopPipes(link);
    for (const socket of sidesOf(link)) {
      if (reset) abort(socket);
      else socket.destroy();
    }
  }

  private stopPipes(link: Link): void {
    clearTimeout(link.timer);
    link.up?.stop();
    link.down?.stop();
  }

  private pumpAll(): void {
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

function legs(direction: FaultDirection = 'both'): Leg[] {
  return direction === 'both' ? ['upstream', 'downstream'] : [direction];
}

function sidesOf(link: Link): net.Socket[] {
  return link.server === undefined ? [link.client] : [link.client, link.server];
}

/** RST where Node can send one; a socket still connecting (or already gone) is just destroyed. */
function abort(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (!socket.connecting && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  if (!socket.destroyed) socket.destroy();
}

function parseAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (colon <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`FaultProxy: expected "host:port", got "${address}"`);
  }
  return { host, port };
}
