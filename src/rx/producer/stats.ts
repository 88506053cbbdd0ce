/** Counters readable from a producer (`producer.stats`): a snapshot, cheap to take. */
export interface ProducerStats {
  /** Records acknowledged by the server. */
  readonly records: number;
  /** TLV bytes of acknowledged records (before compression). */
  readonly bytes: number;
  /** Batches acknowledged. */
  readonly batches: number;
  /** Records accepted into the buffer (each is later acked or failed). */
  readonly recordsAccepted: number;
  /** Records whose batch failed. */
  readonly recordsFailed: number;
  /** Records refused before batching (invalid, too big, closed, no room), `dropped` included. */
  readonly recordsRejected: number;
  /** Of those, records dropped by `onFull: 'drop-newest'`. */
  readonly recordsDropped: number;
  /** Ingest frames written, resends included. */
  readonly framesSent: number;
  /** Batches put back in the queue to be resent on a later session. */
  readonly retries: number;
  /**
   * RECORDS sent again (the records of every send of a batch after its first). The server does not
   * deduplicate, so this bounds the duplicates it may hold because of this producer.
   */
  readonly resent: number;
  /** Batches sent and not yet acked. */
  readonly inFlight: number;
  /** Batches encoded and waiting for the window or a session. */
  readonly queued: number;
  /** Bytes of accepted, unsettled records (bounded by `bufferMemory`). */
  readonly bufferedBytes: number;
  /**
   * The current in-flight window: `maxPendingAcks`, halved by a Backpressure frame until the next
   * ack; after a connection loss 1, until the connection has earned trust (send-window.ts).
   */
  readonly window: number;
  readonly backpressureFrames: number;
  /** Sessions this producer has used. */
  readonly sessions: number;
}

export class Counters {
  records = 0;
  bytes = 0;
  batches = 0;
  recordsAccepted = 0;
  recordsFailed = 0;
  recordsRejected = 0;
  recordsDropped = 0;
  framesSent = 0;
  retries = 0;
  resent = 0;
  backpressureFrames = 0;
  sessions = 0;
}
