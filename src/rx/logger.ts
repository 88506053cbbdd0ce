/**
 * The logger hook: any object with `debug/info/warn/error(msg, fields)` — pino, `console`, Nest's
 * `Logger` all fit. Silent by default. What is logged is what an operator needs, once per event, with
 * structured fields; never a token, a key or a record value.
 */
import type { ConnectionState } from './state.js';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const nothing = (): void => undefined;
export const SILENT_LOGGER: Logger = { debug: nothing, info: nothing, warn: nothing, error: nothing };

/** An error as log fields: its code and message (messages never carry the token, see errors.ts). */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { errorCode: typeof code === 'string' ? code : error.name, error: error.message };
  }
  return { error: String(error) };
}

/** One line per connection state change of a role. */
export function logConnectionState(logger: Logger, s: ConnectionState): void {
  switch (s.type) {
    case 'connecting':
      logger.debug('lnc-client: connecting', { role: s.role, server: s.address });
      return;
    case 'connected':
      logger.info('lnc-client: connected', { role: s.role, server: s.address, epoch: s.epoch });
      return;
    case 'reconnecting':
      logger.warn('lnc-client: connection failed, reconnecting', {
        role: s.role,
        attempt: s.attempt,
        delayMs: Math.round(s.delayMs),
        ...errorFields(s.error),
      });
      return;
    case 'closed':
      if (s.error !== undefined)
        logger.error('lnc-client: connection closed by a fatal error', { role: s.role, ...errorFields(s.error) });
      else logger.debug('lnc-client: connection closed', { role: s.role });
      return;
  }
}
