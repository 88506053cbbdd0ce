/** OpenTelemetry messaging semantic-convention attributes for Lance operations. */
import type { Attributes } from '@opentelemetry/api';

export const SYSTEM = 'lance';

/**
 * Lance addresses topics by numeric id on the wire; the client does not know a topic's name unless
 * it created or listed it, so the destination is the id, as text (documented in the README).
 */
export function destination(topicId: number): string {
  return String(topicId);
}

/** `server.address` and `server.port` from "host:port" / "[v6]:port". */
export function serverAttributes(server: string | undefined): Attributes {
  if (server === undefined) return {};
  const colon = server.lastIndexOf(':');
  const port = Number(server.slice(colon + 1));
  let host = colon > 0 ? server.slice(0, colon) : server;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return Number.isInteger(port) && colon > 0
    ? { 'server.address': host, 'server.port': port }
    : { 'server.address': server };
}

/**
 * `error.type`: the client's typed code (CONNECTION, TIMEOUT, NOT_LEADER …) when there is one, the
 * error's class name otherwise, `_OTHER` for what is not an Error (the convention's fallback).
 */
export function errorType(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && code.length > 0 ? code : err.name;
  }
  return '_OTHER';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
