/** Socket failures as typed errors. Only this file knows Node's error codes. */
import { ConnectionError, TimeoutError, type LanceError } from '../wire/errors.js';

/**
 * The server's certificate was refused (untrusted, expired, wrong name). A configuration problem
 * that retrying cannot fix, so it is a `ConnectionError` that is NOT retryable: it stops reconnects.
 */
export class TlsVerificationError extends ConnectionError {
  override isRetryable(): boolean {
    return false;
  }
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

export function socketError(err: unknown, address: string): LanceError {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const detail = e?.message ?? String(err);
  if (code !== undefined && TLS_CODES.has(code)) {
    return new TlsVerificationError(`TLS certificate of ${address} refused: ${detail}`, { cause: err });
  }
  if (code === 'ETIMEDOUT') return new TimeoutError(`connecting to ${address} timed out`, { cause: err });
  return new ConnectionError(`connection to ${address} failed: ${detail}`, { cause: err });
}
