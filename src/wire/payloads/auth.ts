/**
 * Authenticate (0x08) → AuthenticateResponse (0x09) (PROTOCOL.md §2.3.10, §6.7).
 *
 *   Authenticate          token UTF-8
 *   AuthenticateResponse  success u8 (1/0) | message ASCII ("Authenticated", "Invalid token", ...)
 */
import { fromUtf8, utf8 } from '../bytes.js';
import { requireLength } from './reader.js';

export const encodeAuthenticate = (token: string): Uint8Array => utf8(token);

export interface AuthenticateResponse {
  readonly success: boolean;
  readonly message: string;
}

export function encodeAuthenticateResponse(r: AuthenticateResponse): Uint8Array {
  const m = utf8(r.message);
  const b = new Uint8Array(1 + m.length);
  b[0] = r.success ? 1 : 0;
  b.set(m, 1);
  return b;
}

export function decodeAuthenticateResponse(p: Uint8Array): AuthenticateResponse {
  requireLength(p, 1, 'AuthenticateResponse');
  return { success: p[0] === 1, message: fromUtf8(p.subarray(1)) };
}
