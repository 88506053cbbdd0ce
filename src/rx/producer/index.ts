export { createProducer, type RxProducer } from './create-producer.js';
export type { ProduceAck, ProduceFailure, ProduceOutcome, ProduceRejection } from './batch.js';
export { type OnFullPolicy, type ProducerOptions, PRODUCER_DEFAULTS } from './options.js';
export type { ProducerRecord } from './records.js';
export type { ProducerStats } from './stats.js';
export { nextProducerRole } from './roles.js';
export { whenRoom } from './when-room.js';
