/** In-memory storage: appends are durable as soon as they are stored, so `sync` has nothing to do. */
import { NULL_SINK, type SegmentSink } from '../topic-log.js';
import type { LoadedTopic, Storage } from './storage.js';

export class MemoryStorage implements Storage {
  load(): LoadedTopic[] {
    return [];
  }
  sink(): SegmentSink {
    return NULL_SINK;
  }
  topicCreated(): void {}
  metaChanged(): void {}
  topicDeleted(): void {}
  sync(): void {}
  close(): void {}
}
