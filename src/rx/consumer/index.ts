/** The consumer engine: `consumeTopic` (behind `lance.topic$()`) and its types. */
export { consumeTopic } from './consume-topic.js';
export { ConsumedRecord } from './consumed-record.js';
export type { ConsumeOptions } from './options.js';
export type { RecordBatch } from './record-batch.js';
export { nextConsumerRole } from './role.js';
export { SeekPosition } from './seek-position.js';
export { toRecords } from './to-records.js';
