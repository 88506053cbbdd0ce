/**
 * Every role's connection of one `Lance`, and the map of their states. Engine roles are made fresh
 * per subscription ('consumer:7'), so the registry forgets one once its socket is released and
 * nobody watches its state: a long-lived client that re-subscribes topic$ all day must not
 * accumulate them. A watched role is kept, so its `state` keeps reporting reconnects.
 */
import { type Observable, Subject, map, startWith } from 'rxjs';
import { type RoleContext, RoleConnection } from './role-connection.js';
import type { SessionRole } from './session.js';
import type { ConnectionState } from './state.js';

export class RoleRegistry {
  private readonly roles = new Map<SessionRole, RoleConnection>();
  /** Ticks when any role's state changes or a role is forgotten. */
  private readonly changes = new Subject<void>();

  constructor(private readonly context: Omit<RoleContext, 'released' | 'changed'>) {}

  get size(): number {
    return this.roles.size;
  }

  /** `role`'s connection, if it exists now. */
  find(role: SessionRole): RoleConnection | undefined {
    return this.roles.get(role);
  }

  /** `role`'s connection, made on first use. */
  get(role: SessionRole): RoleConnection {
    const existing = this.roles.get(role);
    if (existing) return existing;
    const created: RoleConnection = new RoleConnection(role, {
      ...this.context,
      released: () => {
        if (role !== 'control' && this.roles.get(role) === created && !created.state.observed) {
          this.roles.delete(role);
          this.changes.next();
        }
      },
      changed: () => this.changes.next(),
    });
    this.roles.set(role, created);
    return created;
  }

  /** The current map first and again on every change; completes after `closeAll()`. */
  states$(): Observable<ReadonlyMap<SessionRole, ConnectionState>> {
    return this.changes.pipe(
      startWith(undefined),
      map(() => this.snapshot()),
    );
  }

  snapshot(): ReadonlyMap<SessionRole, ConnectionState> {
    return new Map([...this.roles].map(([role, r]) => [role, r.state.value]));
  }

  /** Completes every role's state and the map (after one last map: every role closed). */
  closeAll(): void {
    for (const r of this.roles.values()) r.state.complete();
    this.changes.next();
    this.changes.complete();
  }
}
