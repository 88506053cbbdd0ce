/**
 * TLS termination in front of the embedded server. The real Lance server never wraps client
 * connections in TLS (its acceptor is built and never used, PROTOCOL.md §6.6), so deployments that
 * want TLS put a terminating proxy in front of it; this stands in for that proxy: the LWP bytes inside
 * the TLS stream are handled exactly like plain TCP ones.
 */
import * as tls from 'node:tls';

export interface LanceServerTlsOptions {
  /** PEM certificate chain of the server. */
  readonly cert: string | Buffer;
  /** PEM private key of the server. */
  readonly key: string | Buffer;
  /** PEM CA bundle used to verify client certificates. */
  readonly ca?: string | Buffer;
  /** Require and verify a client certificate (mTLS); handshakes without a valid one fail. */
  readonly requireClientCert?: boolean;
}

export function tlsServerOptions(o: LanceServerTlsOptions): tls.TlsOptions {
  const mtls = o.requireClientCert === true;
  return {
    cert: o.cert,
    key: o.key,
    ...(o.ca === undefined ? {} : { ca: o.ca }),
    requestCert: mtls,
    rejectUnauthorized: mtls,
  };
}
