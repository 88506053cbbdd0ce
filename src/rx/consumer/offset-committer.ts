/**
 * Where commits go: the offset store (the client-side source of truth, PROTOCOL.md §10.9) and,
 * optionally, CommitOffset to the server — in-memory bookkeeping there, so its errors are ignored,
 * as the Rust `StandaloneConsumer` does (§7.5).
 */
import { consumerIdFromName } from '../../offsets/consumer-id.js';
import type { OffsetStore } from '../../offsets/offset-store.js';
import { Command } from '../../wire/constants.js';
import { InvalidArgumentError } from '../../wire/errors.js';
import { encodeCommitOffset } from '../../wire/payloads/subscription.js';
import type { Session } from '../session.js';

export interface CommitTarget {
  readonly topicId: number;
  readonly consumerId: bigint | undefined;
  readonly offsetStore: OffsetStore | undefined;
  readonly serverCommit: boolean;
  readonly requestTimeoutMs: number | undefined;
}

/** The consumer id from an explicit id or a name (Rust-compatible hash); undefined if neither. */
export function resolveConsumerId(
  consumerId: bigint | undefined,
  consumerName: string | undefined,
): bigint | undefined {
  if (consumerId !== undefined) return consumerId;
  return consumerName === undefined ? undefined : consumerIdFromName(consumerName);
}

/**
 * A commit function for `autoCommit` / manual commits, or `undefined` when there is nowhere to
 * commit to. `session()` returns the live session for the server-side commit, if any.
 */
export function offsetCommitter(
  t: CommitTarget,
  session: () => Session | undefined,
): ((offset: bigint) => Promise<void> | void) | undefined {
  const { offsetStore: store, consumerId, topicId } = t;
  if (!store && !t.serverCommit) return undefined;
  if (consumerId === undefined) {
    throw new InvalidArgumentError('committing offsets needs a consumerId or a consumerName');
  }
  return (offset) => {
    if (t.serverCommit) {
      const s = session();
      const payload = encodeCommitOffset({ topicId, consumerId, offset });
      // Deliberately not awaited and errors dropped: the server copy is a convenience (§2.3.15).
      // The request ends by itself (reply, timeout or the session's end).
      s?.request$(Command.COMMIT_OFFSET, payload, t.requestTimeoutMs).subscribe({ error: () => undefined });
    }
    return store?.save(topicId, consumerId, offset);
  };
}
