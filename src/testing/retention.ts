/**
 * The retention pass (PROTOCOL.md §2.5, `lance/src/server/retention.rs`), run every
 * `retentionIntervalMs` (the server's `retention_cleanup_interval_secs`, 60 s) over topics that have a
 * retention config. It deletes whole CLOSED segments only, never the active one:
 * - age: a closed segment expires when `now − end_ts > max_age_secs × 1e9` ns (so 0 expires them all);
 * - size: closed segments are deleted oldest-first while the topic's total exceeds `max_bytes`
 *   (so 0 deletes them all).
 * Deleting head segments shifts every offset of the topic down by their size (offsets are computed
 * from the segments present; there is no log start offset).
 */
import { nowNs } from './clock.js';
import type { TopicStore } from './topic-store.js';

export interface RetentionResult {
  readonly segmentsDeleted: number;
  readonly bytesDeleted: number;
}

export function runRetention(store: TopicStore, now: bigint = nowNs()): RetentionResult {
  let segmentsDeleted = 0;
  let bytesDeleted = 0;
  for (const { meta, log } of store.list()) {
    const r = meta.retention;
    if (r === undefined) continue;
    const segs = log.segments;
    let closed = 0;
    while (closed < segs.length && segs[closed]!.closed) closed++;
    let n = 0;
    const maxAgeNs = r.maxAgeSecs * 1_000_000_000n;
    while (n < closed && now - segs[n]!.endTsNs! > maxAgeNs) n++;
    let total = log.total;
    for (let i = 0; i < n; i++) total -= segs[i]!.size;
    while (n < closed && BigInt(total) > r.maxBytes) total -= segs[n++]!.size;
    if (n > 0) {
      segmentsDeleted += n;
      bytesDeleted += log.deleteHead(n);
    }
  }
  return { segmentsDeleted, bytesDeleted };
}
