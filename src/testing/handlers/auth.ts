/**
 * Authenticate (0x08) → AuthenticateResponse (0x09) (PROTOCOL.md §2.3.10, §6.7).
 *
 *   Authenticate          token UTF-8
 *   AuthenticateResponse  success u8 | ASCII message: "Authenticated" | "Invalid token" |
 *                         "No token provided" (empty payload) | "Invalid token encoding" (not UTF-8)
 *
 * Success marks the connection authenticated; only ingest is gated by it (see ingest.ts). With no
 * tokens configured every token is accepted (the real server then runs without a validator; which
 * text it answers in that case is not documented — we say "Authenticated").
 */
import { Command, encodeAuthenticateResponse, encodeControl } from '../../wire/index.js';
import type { ControlHandler } from './context.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const reply = (success: boolean, message: string): Uint8Array =>
  encodeControl(Command.AUTHENTICATE_RESPONSE, encodeAuthenticateResponse({ success, message }));

export const authenticate: ControlHandler = (payload, ctx, conn) => {
  if (payload.length === 0) return reply(false, 'No token provided');
  let token: string;
  try {
    token = strictUtf8.decode(payload);
  } catch {
    return reply(false, 'Invalid token encoding');
  }
  if (ctx.authTokens !== undefined && !ctx.authTokens.has(token)) return reply(false, 'Invalid token');
  conn.authenticated = true;
  return reply(true, 'Authenticated');
};
