/**
 * Reading an Authenticate reply (PROTOCOL.md §2.3.10), shared by the per-socket handshake and
 * `Lance.authenticate`. The client knows the token it sent, so any text a peer echoes back is
 * scrubbed of it: a misconfigured proxy or a hostile peer must not put the secret into error
 * messages, stacks and logs.
 */
import { Command } from '../wire/constants.js';
import { commandOf } from '../wire/control.js';
import { AuthenticationError, InvalidFrameError, LanceError } from '../wire/errors.js';
import { errorFromServerText } from '../wire/classify.js';
import type { Frame } from '../wire/frame.js';
import { decodeAuthenticateResponse } from '../wire/payloads/auth.js';

export function redact(text: string, secret: string): string {
  return secret.length === 0 ? text : text.split(secret).join('<redacted>');
}

/** Throws the typed refusal; returns when the server said "Authenticated". */
export function checkAuthReply(reply: Frame, token: string, peer: string): void {
  if (commandOf(reply) !== Command.AUTHENTICATE_RESPONSE) {
    throw new InvalidFrameError(
      `expected an AuthenticateResponse from ${peer}, got command 0x${commandOf(reply).toString(16)}`,
    );
  }
  const r = decodeAuthenticateResponse(reply.payload);
  if (!r.success) throw new AuthenticationError(`authentication refused by ${peer}: ${redact(r.message, token)}`);
}

/** The same error without the token in its text (an ErrorResponse to Authenticate, say). */
export function redactError(err: unknown, token: string): unknown {
  if (!(err instanceof LanceError) || token.length === 0) return err;
  const leaks = err.message.includes(token) || (err.serverMessage?.includes(token) ?? false);
  if (!leaks) return err;
  return err.serverMessage !== undefined
    ? errorFromServerText(redact(err.serverMessage, token))
    : new AuthenticationError(redact(err.message, token));
}
