/**
 * `ensureTopic$`: create a topic or find it, as the Rust client's `ensure_topic` does, within one
 * deadline (the create may have happened before a connection dropped, so "already exists" and
 * retryable failures are answered by listing the topics).
 */
import { type Observable, type SchedulerLike, catchError, defer, map, retry, throwError, timer } from 'rxjs';
import { TopicAlreadyExistsError } from '../wire/errors.js';
import type { TopicInfo } from '../wire/payloads/topic-response.js';
import { type Requester, createTopic$, listTopics$ } from './admin.js';
import { Deadline } from './deadline.js';
import type { CallOptions, Lance } from './lance.js';
import { isRetryable } from './reconnect.js';

export interface EnsureTopicOptions extends CallOptions {
  /** Create attempts. Default 20 (the Rust client's `ensure_topic_default`), all within `timeoutMs`. */
  readonly attempts?: number;
  /** Wait `baseMs × attempt` after a retryable failure, `baseMs` after "already exists". Default 500. */
  readonly baseMs?: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Create the topic, or find it: after "already exists" or a retryable failure (the create may have
 * happened before the connection dropped), list the topics and return the one with this name; if it
 * is not there, try again (PROTOCOL.md §3.5, Rust `ensure_topic`). Other errors fail at once.
 * The whole dance has one deadline (`timeoutMs`, default `requestTimeoutMs`): a Nest app calling it
 * at startup against a dead server fails in that time, not after 20 full request timeouts.
 */
export function ensureTopic$(
  lance: Requester & Pick<Lance, 'options'>,
  name: string,
  o: EnsureTopicOptions = {},
): Observable<TopicInfo> {
  const { attempts = 20, baseMs = 500, scheduler = lance.options.scheduler } = o;
  const worthRetrying = (err: unknown): boolean => err instanceof TopicAlreadyExistsError || isRetryable(err);
  return defer(() => {
    const d = new Deadline(
      o.timeoutMs ?? lance.options.requestTimeoutMs,
      scheduler,
      () => `ensureTopic(${JSON.stringify(name)})`,
    );
    const within = (): CallOptions => ({ ...o, timeoutMs: d.remaining() });
    const find = (err: unknown): Observable<TopicInfo> =>
      listTopics$(lance, within()).pipe(
        catchError(() => throwError(() => err)),
        map((topics) => {
          const found = topics.find((t) => t.name === name);
          if (!found) throw err;
          return found;
        }),
      );
    const attempt$ = defer(() => {
      d.attempts++;
      return createTopic$(lance, name, within());
    });
    return attempt$.pipe(
      catchError((err: unknown) => (worthRetrying(err) ? find(err) : throwError(() => err))),
      retry({
        count: Math.max(0, attempts - 1),
        delay: (err: unknown, n: number) => {
          if (!worthRetrying(err)) return throwError(() => err);
          d.lastError = err;
          const wait = err instanceof TopicAlreadyExistsError ? baseMs : baseMs * n;
          return d.exceededBy(wait) ? throwError(() => d.error()) : timer(wait, scheduler);
        },
      }),
      catchError((err: unknown) => throwError(() => d.explain(err))),
    );
  });
}
