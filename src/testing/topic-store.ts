/**
 * The topic registry of a standalone server (PROTOCOL.md §2.3.3–2.3.8, §2.5):
 * - ids are allocated from 1 upward and never reused while the server runs (`TopicRegistry.next_id`);
 * - names must match `[A-Za-z0-9-]+` (no length limit), with the server's exact error texts (§3.2);
 * - topic 0 is not a registered topic but can be written to (its log lives in `segments/0`, §2.3.1).
 */
import { nowSecs } from './clock.js';
import { ReplyError } from './errors.js';
import type { Retention, Storage, TopicMeta } from './storage/storage.js';
import { TopicLog } from './topic-log.js';

export interface Topic {
  readonly meta: TopicMeta;
  readonly log: TopicLog;
}

const NAME = /^[A-Za-z0-9-]+$/;

export class TopicStore {
  private readonly byId = new Map<number, Topic>();
  private readonly byName = new Map<string, Topic>();
  private topic0: TopicLog | undefined;
  private nextId = 1;

  constructor(
    private readonly storage: Storage,
    private readonly segmentMaxBytes: number,
  ) {
    for (const t of storage.load()) {
      const log = new TopicLog(segmentMaxBytes, storage.sink(t.meta), t.segments);
      if (t.meta === undefined) {
        this.topic0 = log;
        continue;
      }
      const topic = { meta: t.meta, log };
      this.byId.set(t.meta.id, topic);
      this.byName.set(t.meta.name, topic);
      this.nextId = Math.max(this.nextId, t.meta.id + 1);
    }
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  get(id: number): Topic | undefined {
    return this.byId.get(id);
  }

  byTopicName(name: string): Topic | undefined {
    return this.byName.get(name);
  }

  /** Topics by id (the server's order is HashMap order, i.e. unspecified, §2.3.5). */
  list(): Topic[] {
    return [...this.byId.values()].sort((a, b) => a.meta.id - b.meta.id);
  }

  /** Standalone create (§2.3.3, §2.3.4): duplicate names are an error, not idempotent. */
  create(name: string, retention?: Retention): TopicMeta {
    if (this.byName.has(name)) throw new ReplyError(`Topic '${name}' already exists`);
    if (name.length === 0) throw new ReplyError('Invalid data: Topic name must not be empty');
    if (!NAME.test(name)) {
      throw new ReplyError(
        `Invalid data: Topic name '${name}' contains invalid characters. Only alphanumeric characters (a-z, A-Z, 0-9) and dashes (-) are allowed`,
      );
    }
    const meta: TopicMeta = { id: this.nextId++, name, createdAt: nowSecs(), retention };
    try {
      this.storage.topicCreated(meta);
    } catch (err) {
      throw new ReplyError(`I/O error: ${(err as Error).message}`);
    }
    const topic = { meta, log: new TopicLog(this.segmentMaxBytes, this.storage.sink(meta)) };
    this.byId.set(meta.id, topic);
    this.byName.set(name, topic);
    return meta;
  }

  /** §2.3.7: unknown id → "Configuration error: Topic <id> not found". */
  delete(id: number): void {
    const topic = this.byId.get(id);
    if (topic === undefined) throw new ReplyError(`Configuration error: Topic ${id} not found`);
    this.byId.delete(id);
    this.byName.delete(topic.meta.name);
    topic.log.dropAll();
    this.storage.topicDeleted(topic.meta);
  }

  /** §2.3.8: stored as given (0 is not "unlimited") and persisted to metadata.json. */
  setRetention(id: number, retention: Retention): void {
    const topic = this.byId.get(id);
    if (topic === undefined) throw new ReplyError(`Configuration error: Topic ${id} not found`);
    topic.meta.retention = retention;
    this.storage.metaChanged(topic.meta);
  }

  /** The log an ingest to `id` appends to: a registered topic, or the legacy topic 0 (§2.3.1 step 3). */
  logForIngest(id: number): TopicLog | undefined {
    if (id !== 0) return this.byId.get(id)?.log;
    this.topic0 ??= new TopicLog(this.segmentMaxBytes, this.storage.sink(undefined));
    return this.topic0;
  }

  /** Stored bytes of a topic (topic 0 included), for tests. */
  bytes(id: number): Uint8Array {
    const log = id === 0 ? this.topic0 : this.byId.get(id)?.log;
    return log === undefined ? new Uint8Array(0) : log.bytes();
  }

  sync(): void {
    this.storage.sync();
  }

  /** Clean: active segments are closed and flushed first (graceful shutdown); otherwise a crash. */
  close(clean: boolean, keepUnsynced = false): void {
    if (clean) {
      for (const t of this.byId.values()) t.log.closeActive();
      this.topic0?.closeActive();
    }
    this.storage.close(clean, keepUnsynced);
  }
}
