/** `new Lance(options)`: every knob of the connection core, with its default. Durations are in ms. */
import { type SchedulerLike, asyncScheduler } from 'rxjs';
import type { Connector, TlsOptions } from '../transport/types.js';
import { connectNode } from '../transport/node.js';
import { InvalidArgumentError } from '../wire/errors.js';
import { type Logger, SILENT_LOGGER } from './logger.js';
import { parseHostPort } from '../wire/classify.js';

export interface ReconnectOptions {
  /** Ceiling of the first retry's delay. Default 100. */
  readonly baseMs?: number;
  /** Cap of the delay. Default 30000. */
  readonly maxMs?: number;
  /** Consecutive failed attempts before the error is surfaced on `session$`. Default Infinity. */
  readonly maxRetries?: number;
  /** A session that stayed up this long resets the attempt counter. Default 5000. */
  readonly healthyAfterMs?: number;
  /** Overrides the delay (attempt counts from 1). Default: full jitter `random() * min(maxMs, baseMs * 2^(attempt-1))`. */
  readonly reconnectDelay?: (attempt: number, error: unknown) => number;
  /** Randomness in [0, 1) for the jitter. Default Math.random. */
  readonly random?: () => number;
}

export interface LanceOptions {
  /** Seed servers, `host:port` (`[v6]:port`). Tried round robin on failure. Default ['127.0.0.1:1992']. */
  readonly servers?: readonly string[];
  /** Sent in an Authenticate frame first thing on every socket. Never logged. */
  readonly token?: string;
  readonly tls?: TlsOptions;
  /** TCP connect + TLS handshake deadline. Default 10000. */
  readonly connectTimeoutMs?: number;
  /** Deadline of each request, of authentication and of each keepalive's echo. Default 30000. */
  readonly requestTimeoutMs?: number;
  /** Silence after which a Keepalive is sent (dead-peer detection). Default 10000; 0 disables. */
  readonly keepaliveMs?: number;
  /** How long a role's socket outlives its last user (saves churn on quick resubscribes). Default 1000. */
  readonly graceMs?: number;
  readonly reconnect?: ReconnectOptions;
  /** Retries of a request answered FORWARD_FAILED or NOT_LEADER (all within the call's deadline). Default 10. */
  readonly requestRetries?: number;
  /**
   * Until some server has answered once, a call fails after one failed round of `servers` (with the
   * connection error as its cause) instead of waiting out its deadline. `true` makes calls wait for a
   * server that is still starting (nats.js `waitOnFirstConnect`). Default false.
   */
  readonly waitForConnection?: boolean;
  /**
   * Largest frame payload accepted from the server. Default 16 MiB. A Fetch raises it on its socket
   * to 16 + max_bytes (the FetchResponse), up to 64 MiB + 16; it never shrinks.
   */
  readonly maxPayloadLength?: number;
  /** Where every timer runs; inject a TestScheduler for marble tests. Default asyncScheduler. */
  readonly scheduler?: SchedulerLike;
  /** The socket factory; inject `new FakeNetwork().connector` in tests. Default node:net / node:tls. */
  readonly connector?: Connector;
  /** Where connection events and failures are logged (pino, console, Nest's Logger). Default silent. */
  readonly logger?: Logger;
}

export interface ResolvedOptions {
  readonly servers: readonly string[];
  readonly tls: TlsOptions | undefined;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepaliveMs: number;
  readonly graceMs: number;
  readonly reconnect: Required<Omit<ReconnectOptions, 'reconnectDelay'>> & Pick<ReconnectOptions, 'reconnectDelay'>;
  readonly requestRetries: number;
  readonly waitForConnection: boolean;
  readonly maxPayloadLength: number | undefined;
  readonly scheduler: SchedulerLike;
  readonly connector: Connector;
  readonly logger: Logger;
}

/** Both official clients' request timeout; every call's deadline unless it names its own. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export function resolveOptions(o: LanceOptions): ResolvedOptions {
  const servers = o.servers ?? ['127.0.0.1:1992'];
  if (servers.length === 0) throw new InvalidArgumentError('servers must name at least one host:port');
  for (const s of servers) {
    if (!parseHostPort(s)) throw new InvalidArgumentError(`server address must be host:port, got ${JSON.stringify(s)}`);
  }
  const r = o.reconnect ?? {};
  return {
    servers,
    tls: o.tls,
    connectTimeoutMs: nonNegative(o.connectTimeoutMs, 10_000, 'connectTimeoutMs'),
    requestTimeoutMs: nonNegative(o.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs'),
    keepaliveMs: nonNegative(o.keepaliveMs, 10_000, 'keepaliveMs'),
    graceMs: nonNegative(o.graceMs, 1_000, 'graceMs'),
    reconnect: {
      baseMs: nonNegative(r.baseMs, 100, 'reconnect.baseMs'),
      maxMs: nonNegative(r.maxMs, 30_000, 'reconnect.maxMs'),
      maxRetries: nonNegative(r.maxRetries, Infinity, 'reconnect.maxRetries'),
      healthyAfterMs: nonNegative(r.healthyAfterMs, 5_000, 'reconnect.healthyAfterMs'),
      random: r.random ?? Math.random,
      ...(r.reconnectDelay ? { reconnectDelay: r.reconnectDelay } : {}),
    },
    requestRetries: nonNegative(o.requestRetries, 10, 'requestRetries'),
    waitForConnection: o.waitForConnection ?? false,
    maxPayloadLength: o.maxPayloadLength,
    scheduler: o.scheduler ?? asyncScheduler,
    logger: o.logger ?? SILENT_LOGGER,
    connector: o.connector ?? connectNode,
  };
}

function nonNegative(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0)
    throw new InvalidArgumentError(`${name} must be a number >= 0, got ${v}`);
  return v;
}
