/** What a chaos run learns about one connection role from `lance.state$(role)`: reconnects and why. */
import type { Subscription } from 'rxjs';
import type { ConnectionState, Lance } from '../../src/index';
import type { RoleReport } from './chaos-report-types';

export interface RoleTracker {
  readonly role: string;
  reconnects: number;
  connections: Record<string, number>;
  causes: Record<string, number>;
  /** The address it is connected to now (or last was). */
  address: string | undefined;
}

/** Counts `role`'s reconnects (by cause) and connections (by `name(address)`) until `sub` ends. */
export function watchRole(
  lance: Lance,
  role: string,
  name: (address: string) => string,
): { tracker: RoleTracker; sub: Subscription } {
  const t: RoleTracker = { role, reconnects: 0, connections: {}, causes: {}, address: undefined };
  const sub = lance.state$(role).subscribe((s: ConnectionState) => {
    if (s.type === 'reconnecting') {
      t.reconnects++;
      const c = causeOf(s.error);
      t.causes[c] = (t.causes[c] ?? 0) + 1;
    } else if (s.type === 'connected') {
      t.address = s.address;
      const n = name(s.address);
      t.connections[n] = (t.connections[n] ?? 0) + 1;
    }
  });
  return { tracker: t, sub };
}

export function roleReport(t: RoleTracker): RoleReport {
  return { role: t.role, reconnects: t.reconnects, connections: t.connections, causes: t.causes };
}

/**
 * The name of the next role of a kind, from the last one taken: roles are numbered per process in
 * creation order (producer:<n>, consumer:<n>) and RxProducer does not expose its own, so the run
 * takes a number and uses the next one; `connections` in the report proves the guess right.
 */
export function nextRoleAfter(taken: string): string {
  const colon = taken.indexOf(':');
  const n = Number(taken.slice(colon + 1));
  if (!Number.isInteger(n)) throw new Error(`unexpected role name ${taken}`);
  return `${taken.slice(0, colon)}:${n + 1}`;
}

/** A short class for a socket's death, for the causes table. */
export function causeOf(err: unknown): string {
  const text = errorText(err);
  const name = err instanceof Error ? err.name : typeof err;
  if (/keepalive echo/.test(text)) return 'keepalive timeout (dead peer)';
  if (/ECONNREFUSED/.test(text)) return 'connection refused';
  if (/ECONNRESET|reset/i.test(text)) return 'reset';
  if (/no ack for batch/.test(text)) return 'ack timeout';
  if (name === 'NotLeaderError') return 'NOT_LEADER';
  if (name === 'ForwardFailedError') return 'FORWARD_FAILED';
  if (/within \d+ ms/.test(text)) return `${name} (timeout)`;
  if (/closed|EPIPE|end/i.test(text)) return 'closed by peer';
  return name;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
