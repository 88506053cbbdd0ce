import type { ObservableInput } from 'rxjs';
import type { OffsetStore } from '../../offsets/offset-store.js';
import type { Logger } from '../logger.js';
import type { ConnectionState } from '../state.js';
import type { BackoffDelayOptions } from '../operators/backoff-delay.js';
import type { RecordBatch } from './record-batch.js';
import type { SeekPosition } from './seek-position.js';

/** Options of `consumeTopic` / `lance.topic$()`. Every one has a default. */
export interface ConsumeOptions {
  /**
   * Where to start when the offset store holds no committed offset (a stored offset always wins,
   * like the Rust `StandaloneConsumer`'s `start_position`). Default `SeekPosition.BEGINNING`.
   */
  readonly from?: SeekPosition | bigint | number;
  /**
   * `max_bytes` of each Fetch. Default 1 MiB. A record larger than this grows the next Fetch to the
   * bytes that complete it (up to the server's 16 MiB payload limit), then fetches are this size again.
   */
  readonly maxFetchBytes?: number;
  /**
   * Fetches kept in flight ahead of the batch being handled: 1 (default) sends the next Fetch as
   * soon as a full reply arrives, so it is on the wire while the batch is processed; 0 fetches only
   * after the batch was handled. Memory stays bounded by (1 + prefetch) × `maxFetchBytes`.
   */
  readonly prefetch?: 0 | 1;
  /** Wait before fetching again after an empty fetch (caught up). Default 100 ms. */
  readonly pollIntervalMs?: number;
  /**
   * Deadline of one Fetch; a timeout poisons the session and the core reconnects. Default: the
   * core's `requestTimeoutMs` (30 s).
   */
  readonly requestTimeoutMs?: number;
  /** Declared record lengths above this mean the offset is misaligned (an error). Default 16 MiB. */
  readonly maxRecordLength?: number;
  /** Open the producer's compressed envelopes (type 0xFD). Default true. */
  readonly unwrapCompressed?: boolean;
  /** Probe the topic's end for `lag` at most this often; `false` = never. Default 1000 ms. */
  readonly lagProbeIntervalMs?: number | false;

  /** Wait after a CatchingUp reply before fetching again. Default 5000 ms. */
  readonly catchingUpDelayMs?: number;
  /** CatchingUp replies without the server offset growing before `ServerCatchingUpError` surfaces. Default 3. */
  readonly catchingUpMaxStalls?: number;
  /** Backoff for other retryable errors (full jitter). Defaults: 100 ms base, 30 s cap, unlimited retries. */
  readonly backoff?: BackoffDelayOptions & { readonly maxRetries?: number };

  /**
   * Async work per batch, run inside the pull loop: the next Fetch waits until it completes, and
   * the batch is emitted (and becomes committable) only then. Use it instead of `concatMap`
   * downstream, which would buffer batches without bound while fetching went on. If it throws or
   * errors, the stream ends with a `ProcessError` (cause: your error), never retried by the
   * connection's policy, and the batch is not committed.
   */
  readonly process?: ProcessFn;
  /** Retry a failing `process` in place, on the same batch, with backoff. Default: no retry. */
  readonly processRetry?: ProcessRetryOptions;

  /** Client-side source of truth for committed offsets. Without it nothing is committed. */
  readonly offsetStore?: OffsetStore;
  /** Key in the store; or give `consumerName` (hashed like the Rust client: SipHash-1-3). */
  readonly consumerId?: bigint;
  readonly consumerName?: string;
  /** Commit the delivered offset at most this often (auditTime); `false` = never automatically. Default 5000 ms. */
  readonly autoCommitIntervalMs?: number | false;
  /** Also send CommitOffset to the server (in-memory there; errors ignored), like the Rust client. Default false. */
  readonly serverCommit?: boolean;
  /** CatchingUp waits (warn) and commits (debug) are logged here; `lance.topic$` passes the core's logger. */
  readonly logger?: Logger;
  /** Receives commit failures; without it a failing commit errors the stream. */
  readonly onCommitError?: (err: unknown) => void;
  /**
   * Receives this subscription's own connection state (`lance.topic$` only): the current one when
   * fetching starts, each change, and `closed` when the subscription ends.
   */
  readonly onState?: (state: ConnectionState) => void;
}

export type ProcessFn = (batch: RecordBatch) => ObservableInput<unknown>;

/** In-place retries of `process`: jittered exponential backoff from `baseMs`, capped at `maxMs`. */
export interface ProcessRetryOptions extends BackoffDelayOptions {
  /** Retries after the first failure before the stream ends with `ProcessError`. Default 0. */
  readonly maxRetries?: number;
}

export const DEFAULT_MAX_FETCH_BYTES = 1024 * 1024;
export const DEFAULT_POLL_INTERVAL_MS = 100;
export const DEFAULT_PREFETCH = 1;
export const DEFAULT_LAG_PROBE_INTERVAL_MS = 1_000;
export const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5_000;
