let producerCount = 0;

/**
 * A fresh connection role per producer (`producer:<n>`), so its acks and ingest errors never mix
 * with another engine's or with control replies (PROTOCOL.md §6.2): attribution depends on it.
 */
export const nextProducerRole = (): string => `producer:${++producerCount}`;
