let consumerCount = 0;

/**
 * A fresh connection role per consumer (`consumer:<n>`): its 1 MiB fetches then never queue behind,
 * or ahead of, another consumer's or the admin connection's requests (replies are FIFO per socket,
 * PROTOCOL.md §6.2).
 */
export const nextConsumerRole = (): string => `consumer:${++consumerCount}`;
