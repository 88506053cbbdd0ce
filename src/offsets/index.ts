export { consumerIdFromName, sipHash13 } from './consumer-id.js';
export type { OffsetStore } from './offset-store.js';
export { MemoryOffsetStore } from './memory-offset-store.js';
export { FileOffsetStore, type FileOffsetStoreOptions } from './file-offset-store.js';
