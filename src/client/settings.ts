/**
 * What the three config builders (`ClientConfig`, `ProducerConfig`, `StandaloneConfig`) share: they
 * are immutable (every `with*` returns a new config), carry the connection settings and a token, and
 * print neither the token nor a private key. Each subclass lists its own fields and how to make a copy.
 */
import { inspect } from 'node:util';
import type { TlsOptions } from '../transport/types.js';
import { duration, positiveDuration } from './checks.js';
import { printable } from './printable.js';

export interface ConnectionFields {
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly tls: TlsOptions | undefined;
}

export abstract class Settings<F extends ConnectionFields, Self> {
  // A private field: not enumerable, not printed by console.log / JSON.stringify / inspect.
  readonly #authToken: string | undefined;

  protected constructor(authToken: string | undefined) {
    this.#authToken = authToken;
  }

  /** This config's settings as a plain object (the token excepted). */
  protected abstract fields(): F;
  /** A config of the same kind with these settings. */
  protected abstract make(fields: F, authToken: string | undefined): Self;

  protected with(change: Partial<F>): Self {
    return this.make({ ...this.fields(), ...change }, this.#authToken);
  }

  /** For `toLanceOptions` only. */
  protected get authToken(): string | undefined {
    return this.#authToken;
  }

  get hasAuthToken(): boolean {
    return this.#authToken !== undefined;
  }

  /** TCP connect + TLS handshake deadline, in ms. */
  withConnectTimeout(ms: number): Self {
    return this.with({ connectTimeoutMs: duration(ms, 'connect timeout') } as Partial<F>);
  }
  /** Reply (or ack) deadline, in ms; a late reply kills the connection, which is then re-opened. */
  withRequestTimeout(ms: number): Self {
    return this.with({ requestTimeoutMs: positiveDuration(ms, 'request timeout') } as Partial<F>);
  }
  /** TLS with certificate verification on unless `rejectUnauthorized: false`; only behind a TLS-terminating proxy (PROTOCOL.md §6.6). */
  withTls(tls: TlsOptions = {}): Self {
    return this.with({ tls: { ...tls } } as Partial<F>);
  }
  /** Token sent in an Authenticate frame after every (re)connect. Never printed. */
  withAuthToken(token: string): Self {
    return this.make(this.fields(), token);
  }

  toJSON(): Record<string, unknown> {
    return printable(this.fields(), this.#authToken !== undefined);
  }
  [inspect.custom](): string {
    return `${this.constructor.name} ${inspect(this.toJSON())}`;
  }
}
