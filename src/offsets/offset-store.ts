import { U64_MAX } from '../wire/constants.js';
import { InvalidArgumentError } from '../wire/errors.js';

/**
 * Where a consumer remembers how far it has read, per (topic, consumer id).
 *
 * The offset is the **byte offset of the next record to read** (the `next_offset` of the last fetch
 * whose records were fully processed), so resuming means fetching from exactly the stored value; it
 * is a u64 (`bigint`). A store holds no opinion on ordering: `save` overwrites, even with a smaller
 * value, because seeking back is legitimate and retention can shift offsets down (PROTOCOL.md §2.3.11).
 *
 * Calls on one key made without awaiting in between take effect in call order; `load` sees every
 * `save` that was called before it. After `close()` resolves every method rejects with `ClosedError`.
 */
export interface OffsetStore {
  /** The stored offset, or `undefined` when none was ever saved (start from the configured default). */
  load(topicId: number, consumerId: bigint): Promise<bigint | undefined>;
  /** Durably record `offset` (resolves once it would survive a crash, where the store is durable). */
  save(topicId: number, consumerId: bigint, offset: bigint): Promise<void>;
  /** Forget the offset; deleting a missing entry is not an error. */
  delete?(topicId: number, consumerId: bigint): Promise<void>;
  /** Wait for pending calls and release resources. Idempotent. */
  close(): Promise<void>;
}

const U32_MAX = 0xffff_ffff;

export function checkTopicId(topicId: number): void {
  if (!Number.isInteger(topicId) || topicId < 0 || topicId > U32_MAX) {
    throw new InvalidArgumentError(`topic id must be an integer in [0, 2^32-1], got ${String(topicId)}`);
  }
}

export function checkU64(what: string, value: bigint): void {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
    throw new InvalidArgumentError(`${what} must be a bigint in [0, 2^64-1], got ${String(value)}`);
  }
}

/** One key for both stores, so (1, 23) and (12, 3) never collide. */
export const storeKey = (topicId: number, consumerId: bigint): string => `${topicId}:${consumerId}`;
