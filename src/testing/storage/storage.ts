/**
 * Where topics live. The memory storage keeps nothing outside the process; the file storage mirrors
 * the real server's layout (PROTOCOL.md §2.5): `segments/<topic name>/metadata.json` plus the
 * topic's `.lnc` segment files, and `segments/0/` for the legacy topic 0 (§2.3.1 step 3).
 */
import type { Segment, SegmentSink } from '../topic-log.js';

export interface Retention {
  readonly maxAgeSecs: bigint;
  readonly maxBytes: bigint;
}

export interface TopicMeta {
  readonly id: number;
  readonly name: string;
  /** Unix seconds (§2.2). */
  readonly createdAt: number;
  retention: Retention | undefined;
}

export interface LoadedTopic {
  /** `undefined` for the legacy topic 0, which has no metadata. */
  readonly meta: TopicMeta | undefined;
  readonly segments: Segment[];
}

export interface Storage {
  /** Topics found at start-up, crash recovery already applied. */
  load(): LoadedTopic[];
  /** Persistence hooks for a topic's segments; `meta` undefined = topic 0. */
  sink(meta: TopicMeta | undefined): SegmentSink;
  topicCreated(meta: TopicMeta): void;
  metaChanged(meta: TopicMeta): void;
  /** Throws `ReplyError("I/O error: ...")` when the directory cannot be removed (§2.3.7). */
  topicDeleted(meta: TopicMeta): void;
  /** Makes every appended byte durable (fsync). Throwing closes the connections waiting for acks (§2.3.1). */
  sync(): void;
  /**
   * `clean`: flush and close segments, as a graceful shutdown does. Otherwise a crash: a power loss
   * drops the bytes not yet synced; a process crash (`keepUnsynced`) leaves them in the files, as
   * the OS page cache would, but still unsynced and with segments left active.
   */
  close(clean: boolean, keepUnsynced?: boolean): void;
}
