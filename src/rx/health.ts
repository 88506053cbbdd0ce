/**
 * A summary of every role's connection for health endpoints (Kubernetes probes, Nest Terminus):
 * `up` when every role in use is connected (or connecting), `degraded` when some are and others are
 * failing, `down` when roles are failing and none is connected. Idle roles (not opened, or released)
 * do not count.
 */
import type { SessionRole } from './session.js';
import type { ConnectionState } from './state.js';

export interface Health {
  readonly status: 'up' | 'degraded' | 'down';
  /** Each failing role and why (the error's message). */
  readonly failing: readonly {
    readonly role: SessionRole;
    readonly state: ConnectionState['type'];
    readonly reason: string;
  }[];
  /** Roles with a live session. */
  readonly connected: readonly SessionRole[];
}

export function summarizeHealth(states: ReadonlyMap<SessionRole, ConnectionState>): Health {
  const failing: { role: SessionRole; state: ConnectionState['type']; reason: string }[] = [];
  const connected: SessionRole[] = [];
  for (const [role, s] of states) {
    if (s.type === 'connected') connected.push(role);
    else if (s.type === 'reconnecting' || (s.type === 'closed' && s.error !== undefined)) {
      failing.push({ role, state: s.type, reason: s.error instanceof Error ? s.error.message : String(s.error) });
    }
  }
  const status = failing.length === 0 ? 'up' : connected.length > 0 ? 'degraded' : 'down';
  return { status, failing, connected };
}
