/**
 * What the three config builders (`ClientConfig`, `ProducerConfig`, `StandaloneConfig`) share: they
 * are immutable (every `with*` returns a new config), carry the connection settings and a token, and
 * print neither the token nor a private key. Each subclass lists its own fields and how to make a copy.
 */
import { inspect } from 'node:util';
import type { TlsOptions } from '../transport/types.js';
import type { Logger } from '../rx/logger.js';
import { duration, positiveDuration } from './checks.js';
import { printable } from './printable.js';

export interface ConnectionFields {
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly tls: TlsOptions | undefined;
}

/** What a config carries besides its printable settings: the token (never printed) and the logger. */
export interface Carried {
  readonly authToken?: string | undefined;
  readonly logger?: Logger | undefined;
}

export abstract class Settings<F extends ConnectionFields, Self> {
  // Private fields: not enumerable, not printed by console.log / JSON.stringify / inspect.
  readonly #authToken: string | undefined;
  readonly #logger: Logger | undefined;

  /** `carried`: the token alone (a string), or the token and the logger. */
  protected constructor(carried: Carried | string | undefined) {
    const c = typeof carried === 'string' ? { authToken: carried } : (carried ?? {});
    this.#authToken = c.authToken;
    this.#logger = c.logger;
  }

  private get carried(): Carried {
    return { authToken: this.#authToken, logger: this.#logger };
  }

  /** This config's settings as a plain object (the token excepted). */
  protected abstract fields(): F;
  /** A config of the same kind with these settings. */
  protected abstract make(fields: F, carried: Carried): Self;

  protected with(change: Partial<F>): Self {
    return this.make({ ...this.fields(), ...change }, this.carried);
  }

  /** For `toLanceOptions` only. */
  protected get authToken(): string | undefined {
    return this.#authToken;
  }

  /** For `toLanceOptions` only: `{ logger }` when one was given. */
  protected get loggerOption(): { readonly logger?: Logger } {
    return this.#logger === undefined ? {} : { logger: this.#logger };
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
    return this.make(this.fields(), { ...this.carried, authToken: token });
  }
  /** Where connection events and failed batches are logged: pino, `console`, Nest's `Logger`. Default silent. */
  withLogger(logger: Logger): Self {
    return this.make(this.fields(), { ...this.carried, logger });
  }

  toJSON(): Record<string, unknown> {
    return printable(this.fields(), this.#authToken !== undefined);
  }
  [inspect.custom](): string {
    return `${this.constructor.name} ${inspect(this.toJSON())}`;
  }
}
