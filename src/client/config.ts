/**
 * `ClientConfig`: the seed clients' builder-style settings (python-client-README `ClientConfig`,
 * Rust `ClientConfig`), immutable: every `with*` returns a new config. Durations are in
 * milliseconds (the Python client's `*_s` seconds become `*Ms`). `toLanceOptions()` hands them to the
 * Rx core, which is the single implementation.
 */
import { DEFAULT_PORT } from '../wire/constants.js';
import { InvalidArgumentError } from '../wire/errors.js';
import { parseHostPort } from '../wire/classify.js';
import type { TlsOptions } from '../transport/types.js';
import type { LanceOptions, ReconnectOptions } from '../rx/options.js';
import { duration } from './checks.js';
import { type Carried, Settings } from './settings.js';

interface Fields {
  readonly host: string;
  readonly port: number;
  readonly servers: readonly string[] | undefined;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepaliveIntervalMs: number;
  readonly tls: TlsOptions | undefined;
  readonly reconnect: ReconnectOptions | undefined;
}

const DEFAULTS: Fields = {
  host: '127.0.0.1',
  port: DEFAULT_PORT,
  servers: undefined,
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepaliveIntervalMs: 10_000,
  tls: undefined,
  reconnect: undefined,
};

export class ClientConfig extends Settings<Fields, ClientConfig> {
  readonly host: string;
  readonly port: number;
  /** Seed servers; when set, they replace `host`/`port`. */
  readonly servers: readonly string[] | undefined;
  /** TCP connect + TLS handshake deadline. Default 10000. */
  readonly connectTimeoutMs: number;
  /** Per-request deadline (also authentication and keepalive echoes). Default 30000. */
  readonly requestTimeoutMs: number;
  /** Silence after which a Keepalive is sent. Default 10000; 0 disables. */
  readonly keepaliveIntervalMs: number;
  readonly tls: TlsOptions | undefined;
  readonly reconnect: ReconnectOptions | undefined;

  constructor(fields: Partial<Fields> = {}, carried?: Carried | string) {
    super(carried);
    const f = { ...DEFAULTS, ...fields };
    this.host = f.host;
    this.port = f.port;
    this.servers = f.servers;
    this.connectTimeoutMs = f.connectTimeoutMs;
    this.requestTimeoutMs = f.requestTimeoutMs;
    this.keepaliveIntervalMs = f.keepaliveIntervalMs;
    this.tls = f.tls;
    this.reconnect = f.reconnect;
  }

  /** `ClientConfig.fromAddress('host:port')` (`[v6]:port` too). */
  static fromAddress(address: string): ClientConfig {
    const hp = parseHostPort(address);
    if (!hp) throw new InvalidArgumentError(`address must be host:port, got ${JSON.stringify(address)}`);
    return new ClientConfig({ host: hp.host, port: hp.port });
  }

  /** `host:port` of the first server. */
  get address(): string {
    return this.servers?.[0] ?? formatAddress(this.host, this.port);
  }

  withHost(host: string): ClientConfig {
    if (!host) throw new InvalidArgumentError('host must not be empty');
    return this.with({ host });
  }
  withPort(port: number): ClientConfig {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new InvalidArgumentError(`port must be 1..65535, got ${port}`);
    return this.with({ port });
  }
  withServers(servers: readonly string[]): ClientConfig {
    for (const s of servers)
      if (!parseHostPort(s)) throw new InvalidArgumentError(`server must be host:port, got ${JSON.stringify(s)}`);
    if (servers.length === 0) throw new InvalidArgumentError('servers must not be empty');
    return this.with({ servers: [...servers] });
  }
  withKeepaliveInterval(ms: number): ClientConfig {
    return this.with({ keepaliveIntervalMs: duration(ms, 'keepalive interval') });
  }
  withReconnect(reconnect: ReconnectOptions): ClientConfig {
    return this.with({ reconnect: { ...reconnect } });
  }

  toLanceOptions(): LanceOptions {
    return {
      servers: this.servers ?? [formatAddress(this.host, this.port)],
      connectTimeoutMs: this.connectTimeoutMs,
      requestTimeoutMs: this.requestTimeoutMs,
      keepaliveMs: this.keepaliveIntervalMs,
      ...(this.tls ? { tls: this.tls } : {}),
      ...(this.reconnect ? { reconnect: this.reconnect } : {}),
      ...(this.authToken !== undefined ? { token: this.authToken } : {}),
      ...this.loggerOption,
    };
  }

  protected fields(): Fields {
    const { host, port, servers, connectTimeoutMs, requestTimeoutMs, keepaliveIntervalMs, tls, reconnect } = this;
    return { host, port, servers, connectTimeoutMs, requestTimeoutMs, keepaliveIntervalMs, tls, reconnect };
  }
  protected make(fields: Fields, carried: Carried): ClientConfig {
    return new ClientConfig(fields, carried);
  }
}

const formatAddress = (host: string, port: number): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
