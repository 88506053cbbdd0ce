/** Socket failures as typed errors. Only this file knows Node's error codes. */
import { ConnectionError, TimeoutError, type LanceError, type LanceErrorOptions } from '../wire/errors.js';

/**
 * The server's certificate was refused (untrusted, expired, wrong name, wrong purpose, bad chain). A
 * configuration problem that retrying cannot fix, so it is a `ConnectionError` that is NOT retryable:
 * a server that refused it is not tried again (the next seed is, once), and the call ends with it.
 */
export class TlsVerificationError extends ConnectionError {
  /**
   * Why, as Node / OpenSSL name it: `socket.authorizationError` or the error's code, e.g.
   * `INVALID_PURPOSE`, `INVALID_CA`, `CERT_HAS_EXPIRED`, `DEPTH_ZERO_SELF_SIGNED_CERT`,
   * `ERR_TLS_CERT_ALTNAME_INVALID`. Also in the message.
   */
  readonly reason: string;

  constructor(message: string, reason: string, options: LanceErrorOptions = {}) {
    super(message, options);
    this.reason = reason;
  }

  override isRetryable(): boolean {
    return false;
  }
}

/**
 * Certificate verification codes (OpenSSL's X509_V_ERR_* as Node names them, plus Node's own name
 * check). Used when the socket did not say (`authorizationError` is the first source).
 */
const TLS_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
]);

/**
 * `tlsReason`: the TLS socket's `authorizationError` when verification failed (Node sets it before it
 * destroys the socket with the error), which names every verification failure, known code or not.
 */
export function socketError(err: unknown, address: string, tlsReason?: string): LanceError {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const detail = e?.message ?? String(err);
  const reason = tlsReason ?? (code !== undefined && TLS_CODES.has(code) ? code : undefined);
  if (reason !== undefined) {
    return new TlsVerificationError(`TLS certificate of ${address} refused (${reason}): ${detail}`, reason, {
      cause: err,
    });
  }
  if (code === 'ETIMEDOUT') return new TimeoutError(`connecting to ${address} timed out`, { cause: err });
  return new ConnectionError(`connection to ${address} failed: ${detail}`, { cause: err });
}
