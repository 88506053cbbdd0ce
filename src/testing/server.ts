/**
 * `LanceServer`: an embedded LWP server that behaves on the wire like a single-node (standalone)
 * Lance server as PROTOCOL.md describes it, with fault injection for client tests.
 *
 *   const server = await LanceServer.start({ port: 0 }); // real timing: 256 KiB reads, 5 ms / 4 MiB group commit
 *   // connect to server.host / server.port ...
 *   server.faults.dropAfterFrames(3);
 *   await server.stop();
 *
 * It shares the wire codec with the client and nothing else (ARCHITECTURE.md).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { DEFAULT_MAX_PAYLOAD } from '../wire/index.js';
import { Connection, type ConnectionHost, type ConnectionStats } from './connection.js';
import { ConsumerBook } from './consumers.js';
import { Faults } from './faults.js';
import { FLUSH_TIMEOUT_MS, GroupCommitter } from './group-commit.js';
import type { HandlerContext } from './handlers/context.js';
import { runRetention, type RetentionResult } from './retention.js';
import { FileStorage } from './storage/file-storage.js';
import { MemoryStorage } from './storage/memory-storage.js';
import { tlsServerOptions, type LanceServerTlsOptions } from './tls.js';
import { TopicStore } from './topic-store.js';

export interface LanceServerOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** Port; 0 (default) picks a free one. The server's own default is 1992 (§1.1). */
  readonly port?: number;
  /** Persist topics as segment files under `<dataDir>/segments/` and reload them at start. Default: memory only. */
  readonly dataDir?: string;
  /** Terminate TLS in front of the LWP stream (what a proxy does for a real server, §6.6). */
  readonly tls?: LanceServerTlsOptions;
  /** Enables token authentication of ingests (§6.7). An empty list means no authentication, as on the server. */
  readonly authTokens?: readonly string[];
  /**
   * Idle gap before a group-commit flush (§2.3.1 step 6). Default 5, the real server's `FLUSH_TIMEOUT`
   * (a flush also happens at 4 MiB dirty). 0 flushes at the end of each read, so acks come at once:
   * for fast unit tests only, never for benchmarks (it hides the real ack latency).
   */
  readonly groupCommitMs?: number;
  /** Largest accepted payload (§1.4). Default 16 MiB (16,777,216 bytes, inclusive). */
  readonly maxPayloadSize?: number;
  /** Segment rotation size (§2.5). Default 1 GiB. */
  readonly segmentMaxBytes?: number;
  /** Period of the retention pass (§2.5). Default 60,000 ms; the timer is unref'd. */
  readonly retentionIntervalMs?: number;
}

export interface RestartOptions {
  /** Keep the port closed (connections refused) this long before listening again. */
  readonly downMs?: number;
  /**
   * Simulate a crash: connections are reset, owed acks are lost, segments stay active (and are
   * rescanned at start). `true` is a power loss: bytes not yet synced are gone, though a consumer
   * may already have read them. `'process'` is the server process dying: those bytes stay in the
   * files, as the OS page cache keeps what the process wrote.
   */
  readonly crash?: boolean | 'process';
}

const DEFAULT_SEGMENT_MAX = 1024 * 1024 * 1024;

export class LanceServer {
  readonly faults: Faults;
  readonly host: string;
  private readonly consumers = new ConsumerBook();
  private readonly conns = new Set<Connection>();
  /** Every accepted TCP socket, including TLS handshakes that never completed. */
  private readonly sockets = new Set<net.Socket>();
  private accepted = 0;
  private readonly committer: GroupCommitter;
  private readonly authTokens: ReadonlySet<string> | undefined;
  private readonly maxPayloadSize: number;
  private readonly segmentMaxBytes: number;
  private store: TopicStore;
  private ctx: HandlerContext;
  private listener: net.Server | undefined;
  private boundPort: number;
  private retentionTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(private readonly options: LanceServerOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.boundPort = options.port ?? 0;
    this.maxPayloadSize = options.maxPayloadSize ?? DEFAULT_MAX_PAYLOAD;
    this.segmentMaxBytes = options.segmentMaxBytes ?? DEFAULT_SEGMENT_MAX;
    const tokens = options.authTokens ?? [];
    this.authTokens = tokens.length > 0 ? new Set(tokens) : undefined;
    this.faults = new Faults({
      broadcast: (frame) => {
        for (const c of this.conns) c.push(frame);
        return this.conns.size;
      },
      releaseAcks: (discard) => {
        for (const c of this.conns) c.releaseAcks(discard);
      },
    });
    this.committer = new GroupCommitter(() => this.store.sync(), options.groupCommitMs ?? FLUSH_TIMEOUT_MS);
    this.store = this.openStore();
    this.ctx = this.makeContext();
  }

  static async start(options: LanceServerOptions = {}): Promise<LanceServer> {
    const server = new LanceServer(options);
    await server.listen();
    const interval = options.retentionIntervalMs ?? 60_000;
    server.retentionTimer = setInterval(() => server.checkRetention(), interval);
    server.retentionTimer.unref();
    return server;
  }

  get port(): number {
    return this.boundPort;
  }

  /** `host:port` (`[v6]:port` for IPv6), as a client would dial it. */
  get address(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.boundPort}`;
  }

  /** Open client connections. */
  get connections(): number {
    return this.conns.size;
  }

  /** TCP connections accepted since start, before any TLS handshake (refused and failed ones too). */
  get acceptedConnections(): number {
    return this.accepted;
  }

  /** The read cycle of each open connection (§1.4, §6.2), in accept order. */
  connectionStats(): ConnectionStats[] {
    return [...this.conns].map((c) => c.stats);
  }

  /** Group-commit flushes so far that made at least one read's ingests durable (§2.3.1 step 6). */
  get commits(): number {
    return this.committer.commits;
  }

  /** The raw stored bytes of a topic (topic 0 included): what Fetch offsets index into. */
  topicBytes(topicId: number): Uint8Array {
    return this.store.bytes(topicId);
  }

  /** Runs the retention pass now (it also runs every `retentionIntervalMs`). */
  checkRetention(now?: Date): RetentionResult {
    return runRetention(this.store, now === undefined ? undefined : BigInt(now.getTime()) * 1_000_000n);
  }

  /**
   * Restarts in place on the same port (and data dir). Connections are closed (reset on a crash);
   * subscriptions and commits are lost, as on the server (§2.3.15). With a data dir the topics are
   * reloaded from disk (crash recovery included); memory topics survive (the "disk" is the process).
   */
  async restart(options: RestartOptions = {}): Promise<void> {
    if (this.stopped) throw new Error('LanceServer: restart after stop');
    await this.shutdown(options.crash === true || options.crash === 'process', options.crash === 'process');
    this.consumers.clear();
    if (options.downMs !== undefined && options.downMs > 0) await new Promise((r) => setTimeout(r, options.downMs));
    if (this.options.dataDir !== undefined) {
      this.store = this.openStore();
      this.ctx = this.makeContext();
    }
    await this.listen();
  }

  /**
   * Stops: no new connections, owed acks are flushed and sent (`crash`: sockets reset instead),
   * sockets closed, files flushed and closed, timers cleared.
   */
  async stop(options: { crash?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retentionTimer !== undefined) clearInterval(this.retentionTimer);
    await this.shutdown(options.crash === true);
  }

  private async shutdown(crash: boolean, keepUnsynced = false): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    const closed = new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
    if (crash) this.committer.abandon();
    else this.committer.flush();
    await Promise.all([...this.conns].map((c) => (crash ? c.kill() : c.shutdown())));
    // Sockets that never became connections (a TLS handshake the client abandoned) would keep a
    // half-open listener from closing.
    for (const socket of this.sockets) socket.destroy();
    await closed;
    if (this.options.dataDir !== undefined) this.store.close(!crash, keepUnsynced);
  }

  private openStore(): TopicStore {
    const storage = this.options.dataDir === undefined ? new MemoryStorage() : new FileStorage(this.options.dataDir);
    return new TopicStore(storage, this.segmentMaxBytes);
  }

  private makeContext(): HandlerContext {
    return { store: this.store, consumers: this.consumers, faults: this.faults.state, authTokens: this.authTokens };
  }

  private listen(): Promise<void> {
    const listener = this.options.tls
      ? tls.createServer({ ...tlsServerOptions(this.options.tls), allowHalfOpen: true })
      : net.createServer({ allowHalfOpen: true });
    // A getter, not a value: a restart on a data directory replaces the store and so the context.
    const currentCtx = () => this.ctx;
    const host: ConnectionHost = {
      get ctx() {
        return currentCtx();
      },
      committer: this.committer,
      maxPayloadSize: this.maxPayloadSize,
      connectionClosed: (c) => this.conns.delete(c),
    };
    const accept = (socket: net.Socket): void => {
      this.conns.add(new Connection(socket, host));
    };
    // Refusal happens on the raw TCP socket, before any TLS handshake.
    listener.on('connection', (socket: net.Socket) => {
      this.accepted++;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      const refusing = this.faults.state.refusing;
      if (refusing === 'reset') socket.resetAndDestroy();
      else if (refusing === 'close') socket.destroy();
      else if (!this.options.tls) accept(socket);
    });
    if (this.options.tls) listener.on('secureConnection', accept);
    // A failed handshake closes that socket. With allowHalfOpen Node would otherwise keep our side
    // of it open after the client's FIN, and listener.close() would wait for it forever.
    listener.on('tlsClientError', (_err: Error, socket: tls.TLSSocket) => socket.destroy());
    this.listener = listener;
    return new Promise((resolve, reject) => {
      listener.once('error', reject);
      listener.listen({ host: this.host, port: this.boundPort }, () => {
        listener.off('error', reject);
        this.boundPort = (listener.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }
}
