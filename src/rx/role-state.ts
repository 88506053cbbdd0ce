/**
 * One role's connection state, read from a host's map of every role: watching it this way never
 * keeps the role open (a role with state subscribers would stay alive), so a shell can expose its own
 * connection's state without changing when that connection is released.
 */
import { EMPTY, Observable, distinctUntilChanged, map, take } from 'rxjs';
import type { SessionRole } from './session.js';
import type { ConnectionState } from './state.js';

/** What can report every role's state: a `Lance`. */
export interface StateSource {
  states$(): Observable<ReadonlyMap<SessionRole, ConnectionState>>;
}

/**
 * `role`'s state, the current one first, then each change; `closed` while it has no connection.
 * A host that reports no states (a test stand-in) gives an empty stream, not a made-up state.
 */
export function roleState$(source: Partial<StateSource>, role: SessionRole): Observable<ConnectionState> {
  if (source.states$ === undefined) return EMPTY;
  return source.states$().pipe(
    map((states) => states.get(role) ?? closedState(role)),
    // States are kept by reference until they change, so this drops ticks from other roles; a role
    // forgotten after a fatal close must not replace that close (and its error) with a bare one.
    distinctUntilChanged(
      (prev, next) =>
        prev === next ||
        (prev.type === 'closed' && next.type === 'closed' && (next.error === undefined || next.error === prev.error)),
    ),
  );
}

/** `role`'s state now (states$ emits its current map synchronously). */
export function roleState(source: Partial<StateSource>, role: SessionRole): ConnectionState {
  let state: ConnectionState = closedState(role);
  roleState$(source, role)
    .pipe(take(1))
    .subscribe((s) => (state = s));
  return state;
}

const closedState = (role: SessionRole): ConnectionState => ({ type: 'closed', role });

/**
 * `source$` with `onState` fed `state$` while subscribed. Watching starts after `source$` opened its
 * role and, after unsubscribing, lasts until the role reports `closed` (its socket is released
 * after the grace period), so that is always the last state seen.
 */
export function withStates<T>(
  source$: Observable<T>,
  state$: Observable<ConnectionState>,
  onState: (state: ConnectionState) => void,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    const inner = source$.subscribe(subscriber);
    let ended = false;
    let last: ConnectionState | undefined;
    const watch = state$.subscribe({
      next: (s) => {
        last = s;
        onState(s);
        if (ended && s.type === 'closed') watch.unsubscribe();
      },
      error: () => undefined,
    });
    return () => {
      ended = true;
      inner.unsubscribe();
      if (last?.type === 'closed') watch.unsubscribe();
    };
  });
}
