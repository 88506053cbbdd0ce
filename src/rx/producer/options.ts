/**
 * Options of the producer engine, their defaults (the seed README's `ProducerConfig`, PROTOCOL.md §7.4)
 * and their validation. Validation happens once, at creation: the hot path trusts these numbers.
 */
import { DEFAULT_MAX_PAYLOAD } from '../../wire/constants.js';
import { InvalidArgumentError } from '../../wire/errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../options.js';
import { type Logger, SILENT_LOGGER } from '../logger.js';

/** What the Rx face's `next()` does with a record when `bufferMemory` is full. */
export type OnFullPolicy =
  /** Reject the record with a `BackpressureError`, reported as a `rejected` outcome on `acks$`. */
  | 'error'
  /** Drop the record, reported as a `dropped` outcome on `acks$` (and counted): never silent. */
  | 'drop-newest';

export interface ProducerOptions {
  /**
   * Max TLV bytes of a frame started while nothing is in flight, and of every frame when packing is
   * off (`flushWhenIdle: false`, or `maxRequestBytes` ≤ this). Default 32 KiB. A bigger record goes alone.
   */
  readonly batchSize?: number;
  /**
   * Max TLV bytes of a frame packed while others are in flight. Default 4 MiB: the server flushes
   * (and acks) at once when 4 MiB are dirty, and otherwise waits for a 5 ms gap with no new request,
   * which it never sees while it does not read (PROTOCOL.md §2.3.1, §6.2): frames this large are
   * what fills its read-flush-ack cycle. At most the server's payload limit.
   */
  readonly maxRequestBytes?: number;
  /**
   * With `flushWhenIdle: false`: max age of a partial batch, in ms. Default 5. (With
   * `flushWhenIdle`, the default, a batch leaves when it is full or when nothing else is in flight.)
   */
  readonly lingerMs?: number;
  /**
   * Wrap each batch's TLV records in one envelope record when that makes it smaller (else send
   * plain): `type 0xFD | length u32 LE | uncompressed_length u32 LE | LZ4 raw block` (the
   * `lz4_flex::compress_prepend_size` layout, see wire/record-envelope.ts). The stored stream stays
   * valid TLV; our consumer unwraps it, other clients see one opaque user-defined record. The
   * Compressed header flag is never set: the server ignores and drops it (PROTOCOL.md §5).
   * `recordCount` still counts the records inside. Default false.
   */
  readonly compression?: boolean;
  /** Unacked ingest frames allowed on the connection. Default 64. */
  readonly maxPendingAcks?: number;
  /** An ack later than this kills the session (its batches are resent on the next one). Default 30000. */
  readonly requestTimeoutMs?: number;
  /** Bytes of records accepted but not yet acked (unsent plus in flight). Default 32 MiB. */
  readonly bufferMemory?: number;
  /** The Rx face's policy when `bufferMemory` is full. Default 'error'. */
  readonly onFull?: OnFullPolicy;
  /** How long `close()` waits for outstanding acks by default, in ms. Default the smaller of
   *  10 s and `requestTimeoutMs`: shutdown must fit in an orchestrator's grace period (Kubernetes: 30 s). */
  readonly closeTimeoutMs?: number;
  /**
   * How long after a Backpressure frame a batch it may have refused is resent (if no answer came
   * for it meanwhile), in ms. Default 100 (the reconnect backoff's base).
   */
  readonly retryBackoffMs?: number;
  /** How long a Promise send waits for room in `bufferMemory` (Kafka's `max.block.ms`), then
   *  rejects with `BackpressureError`. Default `requestTimeoutMs`. */
  readonly maxBlockMs?: number;
  /** Bytes of records that Promise sends may hold while waiting for room; a send past it rejects at
   *  once with `BackpressureError`, so a caller that never awaits cannot grow memory without bound.
   *  Default `bufferMemory`. */
  readonly maxWaitingBytes?: number;
  /**
   * A batch's one deadline (Kafka's `delivery.timeout.ms`): from the moment it is cut, through
   * every resend and reconnect, until its ack. Past it the batch fails with `TimeoutError` (its
   * `cause` the last failure); if it was sent, it may or may not have been written. Default
   * `requestTimeoutMs`.
   */
  readonly deliveryTimeoutMs?: number;
  /** Resends allowed per batch after retryable failures; then it fails with the last error. Default Infinity. */
  readonly maxRetries?: number;
  /** The server's `max_payload_size` (16 MiB unless its config file says otherwise). */
  readonly maxPayloadBytes?: number;
  /**
   * Nagle's rule, and the packing policy (default true): a record that finds nothing in flight is
   * sent at once (latency); records that arrive while frames are in flight are packed into one
   * frame, up to `maxRequestBytes`, which leaves when it is full or when the last frame in flight
   * is acked. `false`: classic batching, frames of `batchSize` cut after `lingerMs`.
   */
  readonly flushWhenIdle?: boolean;
  /** Failed batches are logged here (warn). `Lance.producer()` passes the core's logger. Default silent. */
  readonly logger?: Logger;
}

export type ResolvedProducerOptions = Required<ProducerOptions>;

/** The longest `close()` waits by default, whatever `requestTimeoutMs` is. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/**
 * `close()`'s default bound when none is configured, for the producer and the StandaloneConsumer
 * alike: `requestTimeoutMs`, but at most `DEFAULT_CLOSE_TIMEOUT_MS`.
 */
export function defaultCloseTimeoutMs(requestTimeoutMs: number): number {
  return Math.min(DEFAULT_CLOSE_TIMEOUT_MS, requestTimeoutMs);
}

export const PRODUCER_DEFAULTS: Omit<
  ResolvedProducerOptions,
  'closeTimeoutMs' | 'maxBlockMs' | 'maxWaitingBytes' | 'deliveryTimeoutMs'
> = {
  batchSize: 32 * 1024,
  maxRequestBytes: 4 * 1024 * 1024,
  lingerMs: 5,
  compression: false,
  maxPendingAcks: 64,
  requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
  bufferMemory: 32 * 1024 * 1024,
  onFull: 'error',
  maxRetries: Infinity,
  retryBackoffMs: 100,
  maxPayloadBytes: DEFAULT_MAX_PAYLOAD,
  flushWhenIdle: true,
  logger: SILENT_LOGGER,
};

export function resolveProducerOptions(o: ProducerOptions = {}): ResolvedProducerOptions {
  const given = { ...PRODUCER_DEFAULTS, ...definedOnly(o) };
  const r: ResolvedProducerOptions = {
    ...given,
    closeTimeoutMs: o.closeTimeoutMs ?? defaultCloseTimeoutMs(o.requestTimeoutMs ?? PRODUCER_DEFAULTS.requestTimeoutMs),
    maxBlockMs: o.maxBlockMs ?? o.requestTimeoutMs ?? PRODUCER_DEFAULTS.requestTimeoutMs,
    deliveryTimeoutMs: o.deliveryTimeoutMs ?? o.requestTimeoutMs ?? PRODUCER_DEFAULTS.requestTimeoutMs,
    maxWaitingBytes: o.maxWaitingBytes ?? o.bufferMemory ?? PRODUCER_DEFAULTS.bufferMemory,
    // By default a packed frame stays within the server's payload limit, and a quarter of the memory
    // bound, so that packed frames still pipeline.
    maxRequestBytes:
      o.maxRequestBytes ??
      Math.max(
        given.batchSize,
        Math.min(PRODUCER_DEFAULTS.maxRequestBytes, given.maxPayloadBytes, Math.floor(given.bufferMemory / 4)),
      ),
  };
  positiveInt('batchSize', r.batchSize);
  positiveInt('maxRequestBytes', r.maxRequestBytes);
  positiveInt('maxPendingAcks', r.maxPendingAcks);
  positiveInt('bufferMemory', r.bufferMemory);
  positiveInt('maxPayloadBytes', r.maxPayloadBytes);
  nonNegative('lingerMs', r.lingerMs);
  positive('requestTimeoutMs', r.requestTimeoutMs);
  nonNegative('closeTimeoutMs', r.closeTimeoutMs);
  nonNegative('maxBlockMs', r.maxBlockMs);
  positive('deliveryTimeoutMs', r.deliveryTimeoutMs);
  nonNegative('maxWaitingBytes', r.maxWaitingBytes);
  nonNegative('maxRetries', r.maxRetries);
  nonNegative('retryBackoffMs', r.retryBackoffMs);
  if (r.batchSize > r.maxPayloadBytes) {
    throw new InvalidArgumentError(`batchSize ${r.batchSize} exceeds the server's payload limit ${r.maxPayloadBytes}`);
  }
  if (r.maxRequestBytes > r.maxPayloadBytes) {
    throw new InvalidArgumentError(
      `maxRequestBytes ${r.maxRequestBytes} exceeds the server's payload limit ${r.maxPayloadBytes}`,
    );
  }
  if (r.onFull !== 'error' && r.onFull !== 'drop-newest') {
    throw new InvalidArgumentError(`onFull must be 'error' or 'drop-newest', got ${String(r.onFull)}`);
  }
  return r;
}

function definedOnly(o: ProducerOptions): ProducerOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as ProducerOptions;
}

function positiveInt(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${v}`);
}

function positive(name: string, v: number): void {
  if (!(v > 0)) throw new InvalidArgumentError(`${name} must be > 0 (Infinity disables it), got ${v}`);
}

function nonNegative(name: string, v: number): void {
  if (!(v >= 0)) throw new InvalidArgumentError(`${name} must be >= 0, got ${v}`);
}
