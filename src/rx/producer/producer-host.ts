/**
 * What a producer engine is built on: a `Lance`, or a stand-in in tests. Both faces build their
 * engines here, so every engine on a host that drains (`Lance.adopt`) is drained by its `close()`,
 * whichever face made it and whether or not that face is ever closed itself.
 */
import type { Observable, SchedulerLike } from 'rxjs';
import type { Drainable } from '../drainable.js';
import type { Logger } from '../logger.js';
import type { StateSource } from '../role-state.js';
import type { Session } from '../session.js';
import { ProducerEngine } from './engine.js';
import type { ProducerOptions } from './options.js';

export interface ProducerHost extends Partial<StateSource> {
  session$(role: string): Observable<Session>;
  readonly options: { readonly scheduler: SchedulerLike; readonly logger?: Logger };
  /** Lets the host's own close() drain what is built on it; returns the function that forgets it. */
  adopt?(d: Drainable): () => void;
}

/** An engine on `host`'s connection `role`, registered with the host until it has closed. */
export function engineOn(host: ProducerHost, role: string, options: ProducerOptions): ProducerEngine {
  const engine = new ProducerEngine(host.session$(role), options, host.options.scheduler);
  if (host.adopt === undefined) return engine;
  let forget: () => void;
  try {
    forget = host.adopt(engine);
  } catch (err) {
    // The host is closed: nothing is built on it, and nothing is left holding its session.
    void engine.close({ timeoutMs: 0 });
    throw err;
  }
  engine.outcomes.subscribe({ complete: forget, error: forget });
  return engine;
}
