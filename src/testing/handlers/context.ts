/** What a request handler may touch. Handlers return the one reply frame the server writes (§6.2). */
import type { ConsumerBook } from '../consumers.js';
import type { FaultState } from '../fault-state.js';
import type { TopicStore } from '../topic-store.js';

export interface HandlerContext {
  readonly store: TopicStore;
  readonly consumers: ConsumerBook;
  readonly faults: FaultState;
  /** Valid tokens; undefined when authentication is off (§6.7). */
  readonly authTokens: ReadonlySet<string> | undefined;
}

/** Per-connection state: authentication is per connection (§6.7). */
export interface ConnectionState {
  authenticated: boolean;
}

export type ControlHandler = (payload: Uint8Array, ctx: HandlerContext, conn: ConnectionState) => Uint8Array;
