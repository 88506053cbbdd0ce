/**
 * The socket seam (in the style of nats.js `transport.ts`): open a TCP or TLS byte stream, write
 * bytes, receive chunks, close. It knows nothing of frames; the rx layer decodes. Tests swap in the
 * fake from `./fake.js`.
 */

/** TLS client settings (node:tls). Certificate verification stays ON unless `rejectUnauthorized: false`. */
export interface TlsOptions {
  /** PEM CA certificate(s) to trust instead of Node's bundled roots. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** PEM client certificate and key (mTLS). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** SNI and the name the certificate must match. Default: the host (unless it is an IP address). */
  readonly servername?: string;
  /** Only an explicit `false` disables verification (tests against self-signed servers). */
  readonly rejectUnauthorized?: boolean;
}

export interface TransportTarget {
  readonly host: string;
  readonly port: number;
  /** Give up opening (TCP connect + TLS handshake) after this many ms. */
  readonly connectTimeoutMs?: number;
  readonly tls?: TlsOptions;
}

/** What a transport reports. `closed` is called exactly once, last; nothing is reported after it. */
export interface TransportHandlers {
  /** The stream is open (TCP connected, TLS handshake done) and writable. */
  opened(): void;
  data(chunk: Uint8Array): void;
  /** The write buffer emptied after a `write` returned false. */
  drained(): void;
  /** The stream is gone: `error` says why (a typed LanceError); undefined after our own `close()`. */
  closed(error?: Error): void;
}

export interface Transport {
  /** Queues bytes; false when the OS buffer is full (wait for `drained`). Ignored once closed. */
  write(bytes: Uint8Array): boolean;
  /** Closes now, discarding unwritten bytes. Reports `closed()` without an error. Idempotent. */
  close(): void;
}

/** Opens a transport; it reports through `handlers`, never synchronously from within this call. */
export type Connector = (target: TransportTarget, handlers: TransportHandlers) => Transport;
