import { ClosedError } from '../wire/errors.js';
import { checkTopicId, checkU64, storeKey, type OffsetStore } from './offset-store.js';

/** A process-local `OffsetStore` for tests and for consumers that need no restart memory. */
export class MemoryOffsetStore implements OffsetStore {
  private readonly offsets = new Map<string, bigint>();
  private closed = false;

  async load(topicId: number, consumerId: bigint): Promise<bigint | undefined> {
    this.check(topicId, consumerId);
    return this.offsets.get(storeKey(topicId, consumerId));
  }

  async save(topicId: number, consumerId: bigint, offset: bigint): Promise<void> {
    this.check(topicId, consumerId);
    checkU64('offset', offset);
    this.offsets.set(storeKey(topicId, consumerId), offset);
  }

  async delete(topicId: number, consumerId: bigint): Promise<void> {
    this.check(topicId, consumerId);
    this.offsets.delete(storeKey(topicId, consumerId));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(topicId: number, consumerId: bigint): void {
    if (this.closed) throw new ClosedError('offset store is closed');
    checkTopicId(topicId);
    checkU64('consumer id', consumerId);
  }
}
