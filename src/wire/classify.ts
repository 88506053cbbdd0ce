/**
 * Server error text → typed error. The server sends plain UTF-8 in an ErrorResponse (0xFF) with
 * no code and no request id (PROTOCOL.md §3.1), so classification is by prefix (§3.2, §3.4, §10.7).
 */
import {
  AccessDeniedError,
  AuthenticationError,
  ForwardFailedError,
  InvalidTopicNameError,
  type LanceError,
  NotLeaderError,
  RateLimitedError,
  ServerError,
  TopicAlreadyExistsError,
  TopicNotFoundError,
} from './errors.js';

const TOPIC_NOT_FOUND = /^(?:Unknown topic|Topic not found|(?:Configuration error: )?Topic \d+ not found)$/;
const ALREADY_EXISTS = /^(?:Configuration error: )?Topic '.*' already exists$/s;
const REDIRECT = /^NOT_LEADER: redirect to (\S+)$/;

export function errorFromServerText(text: string): LanceError {
  const opts = { serverMessage: text };
  if (text.startsWith('FORWARD_FAILED')) return new ForwardFailedError(text, opts);
  if (text.startsWith('NOT_LEADER')) {
    const addr = REDIRECT.exec(text)?.[1];
    return new NotLeaderError(text, addr, opts);
  }
  if (text.startsWith('Rate limit exceeded')) return new RateLimitedError(text, opts);
  if (TOPIC_NOT_FOUND.test(text)) return new TopicNotFoundError(text, opts);
  if (ALREADY_EXISTS.test(text)) return new TopicAlreadyExistsError(text, opts);
  if (text.startsWith('Invalid data: Topic name') || text === 'Topic name required') {
    return new InvalidTopicNameError(text, opts);
  }
  if (text === 'Authentication required') return new AuthenticationError(text, opts);
  if (text.startsWith('Access denied')) return new AccessDeniedError(text, opts);
  return new ServerError(text, opts);
}

/** Splits `host:port` or `[v6]:port` as Rust's SocketAddr Display writes it. */
export function parseHostPort(addr: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(addr);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}
