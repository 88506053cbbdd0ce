/** What `StandaloneConsumer` is built on, and the options of its two constructors. */
import type { Observable, SchedulerLike } from 'rxjs';
import type { OffsetStore } from '../offsets/offset-store.js';
import type { LanceOptions } from '../rx/options.js';
import type { StateSource } from '../rx/role-state.js';
import type { Session } from '../rx/session.js';

/** What the consumer needs from the core: `Lance` satisfies it. */
export interface ConsumerHost extends Partial<StateSource> {
  session$(role: string): Observable<Session>;
  readonly options: { readonly scheduler: SchedulerLike };
}

export interface StandaloneConnectOptions {
  /** Use this store instead of the config's (`offsetDir` → FileOffsetStore, else memory). Not closed by `close()`. */
  readonly offsetStore?: OffsetStore;
  readonly signal?: AbortSignal;
  /** Test seams and extra core options applied over the config's. */
  readonly lanceOptions?: Partial<LanceOptions>;
}

export interface StandaloneOpenOptions {
  readonly offsetStore?: OffsetStore;
  /** This consumer's socket role. Default `consumer:<n>`. */
  readonly role?: string;
  readonly signal?: AbortSignal;
}
