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
import { ProxyCore, legs } from './fault-proxy-core.js';
import { FrameCounter } from './fault-proxy-frames.js';
import { parseTarget } from './fault-proxy-link.js';
import type {
  DirectionOptions,
  DropAfterOptions,
  FaultProxyOptions,
  FaultProxyStats,
  Framing,
  LatencyOptions,
} from './fault-proxy-options.js';

export type * from './fault-proxy-options.js';

export class FaultProxy {
  private readonly listener: net.Server;
  /** The listening address, kept so port/address still answer after stop(). */
  private listening: net.AddressInfo = { address: '', family: '', port: 0 };
  private readonly core: ProxyCore;

  private constructor(listener: net.Server, options: FaultProxyOptions) {
    this.listener = listener;
    this.core = new ProxyCore(options);
    listener.on('connection', (socket) => this.core.accept(socket));
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
    for (const link of this.core.links) if (!link.client.destroyed) n++;
    return n;
  }

  /** A snapshot, so a test can compare before/after without aliasing. */
  get stats(): FaultProxyStats {
    return { ...this.core.counters };
  }

  /**
   * Adds a one-way delay (plus optional jitter) to every chunk, as a long link would: RTT grows by twice
   * `ms` with `both`. Order is preserved. Applies to bytes read from now on; 0 removes it.
   */
  setLatency(ms: number, options: LatencyOptions = {}): void {
    for (const leg of legs(options.direction)) {
      this.core.faults[leg].latencyMs = Math.max(0, ms);
      this.core.faults[leg].jitterMs = Math.max(0, options.jitterMs ?? 0);
    }
  }

  /** Caps throughput per connection and direction (a slow link); undefined removes the cap. */
  setBandwidth(bytesPerSec: number | undefined, options: DirectionOptions = {}): void {
    if (bytesPerSec !== undefined && !(bytesPerSec > 0)) throw new RangeError('bytesPerSec must be > 0');
    for (const leg of legs(options.direction)) this.core.faults[leg].bytesPerSec = bytesPerSec;
    this.core.pumpAll();
  }

  /** Aborts every connection with RST on both legs: a crashed peer or a middlebox dropping state. */
  resetAll(): void {
    for (const link of this.core.links) {
      if (link.state === 'closed') continue;
      this.core.counters.resets++;
      link.abort();
    }
  }

  /**
   * Closes every connection gracefully: FIN to both client and server, as a server shutting down
   * cleanly would. Bytes the proxy still holds (paused, delayed) are discarded; bytes already written
   * are delivered. Each socket is released once its peer answers with its own FIN.
   */
  closeAll(): void {
    for (const link of this.core.links) {
      if (link.state !== 'closed' && link.state !== 'closing') link.end();
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
    this.core.blackholed = on;
    if (!on) return;
    for (const link of this.core.links) if (link.state === 'open') link.kill();
  }

  /**
   * Forwards `bytes` more bytes in each selected direction of each connection (live ones from now,
   * new ones from accept), then resets the connection — cutting a frame in the middle. The cut happens
   * when byte `bytes + 1` would be forwarded, so exactly `bytes` arrive. undefined disarms.
   */
  dropAfterBytes(bytes: number | undefined, options: DropAfterOptions = {}): void {
    const fault =
      bytes === undefined ? undefined : { bytes: Math.max(0, Math.floor(bytes)), once: options.once ?? false };
    for (const leg of legs(options.direction)) this.core.setDrop(leg, fault);
  }

  /**
   * Every connection (live ones counting from now, new ones from accept) is aborted with RST on both
   * legs right after its `frames`-th client → server frame is forwarded: the server gets exactly
   * that many whole frames, and whatever it answers after them is lost. Frames are delimited by
   * `framing` (the proxy knows no protocol). Stays armed until undefined or `clear()`.
   */
  abortAfterFrames(frames: number | undefined, framing?: Framing): void {
    if (frames === undefined) {
      this.core.frameDrop = undefined;
      return;
    }
    if (!Number.isInteger(frames) || frames < 1 || framing === undefined)
      throw new RangeError('abortAfterFrames: frames must be an integer >= 1, with a framing');
    this.core.frameDrop = { frames, framing };
    for (const link of this.core.links) link.counter = new FrameCounter(framing);
  }

  /**
   * Stops forwarding (a stall or partition that heals) while keeping every byte: they are buffered up
   * to `maxBufferedBytes` per direction, then the sender is paused so TCP pushes back. Nothing closes.
   */
  pause(options: DirectionOptions = {}): void {
    for (const leg of legs(options.direction)) this.core.faults[leg].paused = true;
  }

  /** Ends a pause(): everything held is delivered in order (still subject to latency/bandwidth). */
  resume(options: DirectionOptions = {}): void {
    for (const leg of legs(options.direction)) this.core.faults[leg].paused = false;
    this.core.pumpAll();
  }

  /** While on, new connections are accepted then immediately reset (a server that is up but rejects). */
  refuseConnections(on: boolean): void {
    this.core.refusing = on;
  }

  /** Sends future connections to another address (a leader change); live ones keep their server. */
  setTarget(address: string): void {
    this.core.target = parseTarget(address);
  }

  /**
   * Removes every fault (latency, bandwidth, pause, drop, blackhole, refuse) so a test can heal the
   * network. Held bytes flow again at once, in order, even those stamped with an old latency.
   * Connections already blackholed stay dead; the target is kept.
   */
  clear(): void {
    this.core.clearFaults();
    for (const link of this.core.links) {
      link.up?.release();
      link.down?.release();
    }
  }

  /** Closes the listener and destroys every socket and timer; resolves when no handle is left open. */
  async stop(): Promise<void> {
    this.core.stopped = true;
    const listenerClosed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    for (const link of this.core.links) {
      link.state = 'closed';
      link.stopPipes();
    }
    const closed = [...this.core.sockets].map((socket) => {
      const done = socket.closed
        ? Promise.resolve()
        : new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.destroy();
      return done;
    });
    await Promise.all([listenerClosed, ...closed]);
    this.core.links.clear();
  }
}
