/**
 * Server-side consumer bookkeeping (PROTOCOL.md §2.3.13–2.3.15): one book per server, shared by all
 * of its connections, in memory only (lost on restart). Commits live in their own map, which
 * Unsubscribe does not touch, so a commit survives an Unsubscribe and a reconnect.
 */
const key = (topicId: number, consumerId: bigint): string => `${topicId}:${consumerId}`;

export class ConsumerBook {
  private readonly subscriptions = new Map<string, bigint>();
  private readonly commits = new Map<string, bigint>();

  /** The offset a SubscribeAck reports: u64::MAX echoed, 0 → the commit (or 0), else echoed. */
  subscribe(topicId: number, consumerId: bigint, startOffset: bigint): bigint {
    const k = key(topicId, consumerId);
    const offset = startOffset === 0n ? (this.commits.get(k) ?? 0n) : startOffset;
    // u64::MAX is echoed as is, not resolved to the end (§2.3.13).
    this.subscriptions.set(k, offset);
    return offset;
  }

  unsubscribe(topicId: number, consumerId: bigint): void {
    this.subscriptions.delete(key(topicId, consumerId));
  }

  /** No validation: the topic need not exist and the offset is not checked (§2.3.15). */
  commit(topicId: number, consumerId: bigint, offset: bigint): void {
    this.commits.set(key(topicId, consumerId), offset);
  }

  committed(topicId: number, consumerId: bigint): bigint | undefined {
    return this.commits.get(key(topicId, consumerId));
  }

  clear(): void {
    this.subscriptions.clear();
    this.commits.clear();
  }
}
