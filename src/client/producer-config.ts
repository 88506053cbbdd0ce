/**
 * `ProducerConfig`: the seed README's builder (python-client-README `ProducerConfig`), immutable:
 * every `with*` returns a new config. Durations are in milliseconds (`connect_timeout_s` becomes
 * `connectTimeoutMs`). It splits into the core's `LanceOptions` (connection) and the engine's
 * `ProducerOptions` (batching, pipelining, memory); both layers validate again.
 */
import type { TlsOptions } from '../transport/types.js';
import type { LanceOptions } from '../rx/options.js';
import { PRODUCER_DEFAULTS, type ProducerOptions } from '../rx/producer/options.js';
import { duration, positiveDuration, positiveInt } from './checks.js';
import { type Carried, Settings } from './settings.js';

interface Fields {
  readonly batchSize: number;
  readonly maxRequestBytes: number | undefined;
  readonly flushWhenIdle: boolean;
  readonly lingerMs: number;
  readonly compression: boolean;
  readonly maxPendingAcks: number;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly bufferMemory: number;
  readonly maxBlockMs: number | undefined;
  readonly maxWaitingBytes: number | undefined;
  readonly closeTimeoutMs: number | undefined;
  readonly deliveryTimeoutMs: number | undefined;
  readonly autoReconnect: boolean;
  readonly tls: TlsOptions | undefined;
}

const DEFAULTS: Fields = {
  batchSize: PRODUCER_DEFAULTS.batchSize,
  maxRequestBytes: undefined,
  flushWhenIdle: PRODUCER_DEFAULTS.flushWhenIdle,
  lingerMs: PRODUCER_DEFAULTS.lingerMs,
  compression: PRODUCER_DEFAULTS.compression,
  maxPendingAcks: PRODUCER_DEFAULTS.maxPendingAcks,
  connectTimeoutMs: 10_000,
  requestTimeoutMs: PRODUCER_DEFAULTS.requestTimeoutMs,
  bufferMemory: PRODUCER_DEFAULTS.bufferMemory,
  maxBlockMs: undefined,
  maxWaitingBytes: undefined,
  closeTimeoutMs: undefined,
  deliveryTimeoutMs: undefined,
  autoReconnect: true,
  tls: undefined,
};

export class ProducerConfig extends Settings<Fields, ProducerConfig> {
  /** Max TLV bytes of a frame started while idle, and of every frame without packing. Default 32768. */
  readonly batchSize: number;
  /**
   * Max TLV bytes of a frame packed while others are in flight. Default 4 MiB (the server's
   * flush-at-once threshold), capped at a quarter of `bufferMemory`. Equal to `batchSize`: no packing.
   */
  readonly maxRequestBytes: number | undefined;
  /**
   * Send a record at once when nothing is in flight, and pack the records that arrive meanwhile
   * into one frame that leaves when full or when the pipe drains. Default true; false: frames of
   * `batchSize` cut after `lingerMs`.
   */
  readonly flushWhenIdle: boolean;
  /** With `flushWhenIdle(false)`: max age of a partial batch. Default 5. */
  readonly lingerMs: number;
  /** LZ4 envelope per batch (a 0xFD record, see `compressRecords`); never the Compressed flag. Default false. */
  readonly compression: boolean;
  /** Unacked frames on the connection. Default 64. */
  readonly maxPendingAcks: number;
  /** TCP connect + TLS handshake deadline. Default 10000. */
  readonly connectTimeoutMs: number;
  /** Ack deadline: a late ack kills the connection; its batches are resent. Default 30000. */
  readonly requestTimeoutMs: number;
  /** Bytes of unsent plus unacked records. Default 33554432 (32 MiB). */
  readonly bufferMemory: number;
  /** The longest a send waits for room in `bufferMemory` before it rejects with BackpressureError. Default `requestTimeoutMs`. */
  readonly maxBlockMs: number | undefined;
  /** Bytes of records that sends waiting for room may hold; past it a send rejects at once with BackpressureError. Default `bufferMemory`. */
  readonly maxWaitingBytes: number | undefined;
  /** How long `close()` waits for acks before failing the rest with ClosedError. Default min(10000, `requestTimeoutMs`). */
  readonly closeTimeoutMs: number | undefined;
  /** A send's one deadline, from the moment its batch is cut through every resend, reconnect and
   *  retry to its ack; then it rejects with TimeoutError. Default `requestTimeoutMs`. */
  readonly deliveryTimeoutMs: number | undefined;
  /** Reconnect (with backoff) and resend after a lost connection. Default true; false fails pending records instead. */
  readonly autoReconnect: boolean;
  readonly tls: TlsOptions | undefined;

  constructor(fields: Partial<Fields> = {}, carried?: Carried | string) {
    super(carried);
    const f = { ...DEFAULTS, ...fields };
    this.batchSize = f.batchSize;
    this.maxRequestBytes = f.maxRequestBytes;
    this.flushWhenIdle = f.flushWhenIdle;
    this.lingerMs = f.lingerMs;
    this.compression = f.compression;
    this.maxPendingAcks = f.maxPendingAcks;
    this.connectTimeoutMs = f.connectTimeoutMs;
    this.requestTimeoutMs = f.requestTimeoutMs;
    this.bufferMemory = f.bufferMemory;
    this.maxBlockMs = f.maxBlockMs;
    this.maxWaitingBytes = f.maxWaitingBytes;
    this.closeTimeoutMs = f.closeTimeoutMs;
    this.deliveryTimeoutMs = f.deliveryTimeoutMs;
    this.autoReconnect = f.autoReconnect;
    this.tls = f.tls;
  }

  withBatchSize(bytes: number): ProducerConfig {
    return this.with({ batchSize: positiveInt(bytes, 'batch size') });
  }
  withMaxRequestBytes(bytes: number): ProducerConfig {
    return this.with({ maxRequestBytes: positiveInt(bytes, 'max request bytes') });
  }
  withFlushWhenIdle(enabled = true): ProducerConfig {
    return this.with({ flushWhenIdle: enabled });
  }
  withLingerMs(ms: number): ProducerConfig {
    return this.with({ lingerMs: duration(ms, 'linger') });
  }
  withCompression(enabled = true): ProducerConfig {
    return this.with({ compression: enabled });
  }
  withMaxPendingAcks(n: number): ProducerConfig {
    return this.with({ maxPendingAcks: positiveInt(n, 'max pending acks') });
  }
  withBufferMemory(bytes: number): ProducerConfig {
    return this.with({ bufferMemory: positiveInt(bytes, 'buffer memory') });
  }
  withMaxBlockMs(ms: number): ProducerConfig {
    return this.with({ maxBlockMs: duration(ms, 'max block') });
  }
  withMaxWaitingBytes(bytes: number): ProducerConfig {
    return this.with({ maxWaitingBytes: positiveInt(bytes, 'max waiting bytes') });
  }
  withCloseTimeoutMs(ms: number): ProducerConfig {
    return this.with({ closeTimeoutMs: duration(ms, 'close timeout') });
  }
  withDeliveryTimeoutMs(ms: number): ProducerConfig {
    return this.with({ deliveryTimeoutMs: positiveDuration(ms, 'delivery timeout') });
  }
  withAutoReconnect(enabled = true): ProducerConfig {
    return this.with({ autoReconnect: enabled });
  }

  toProducerOptions(): ProducerOptions {
    const {
      batchSize,
      maxRequestBytes,
      flushWhenIdle,
      lingerMs,
      compression,
      maxPendingAcks,
      requestTimeoutMs,
      bufferMemory,
      maxBlockMs,
      maxWaitingBytes,
      closeTimeoutMs,
      deliveryTimeoutMs,
    } = this;
    return {
      batchSize,
      maxRequestBytes,
      flushWhenIdle,
      lingerMs,
      compression,
      maxPendingAcks,
      requestTimeoutMs,
      bufferMemory,
      maxBlockMs,
      maxWaitingBytes,
      closeTimeoutMs,
      deliveryTimeoutMs,
    };
  }

  toLanceOptions(servers: readonly string[]): LanceOptions {
    return {
      servers,
      connectTimeoutMs: this.connectTimeoutMs,
      requestTimeoutMs: this.requestTimeoutMs,
      ...(this.tls ? { tls: this.tls } : {}),
      ...(this.authToken !== undefined ? { token: this.authToken } : {}),
      ...this.loggerOption,
      // Without auto-reconnect the first lost connection ends session$, which fails what is pending.
      ...(this.autoReconnect ? {} : { reconnect: { maxRetries: 0 } }),
    };
  }

  protected fields(): Fields {
    const {
      batchSize,
      maxRequestBytes,
      flushWhenIdle,
      lingerMs,
      compression,
      maxPendingAcks,
      connectTimeoutMs,
      requestTimeoutMs,
      bufferMemory,
      maxBlockMs,
      maxWaitingBytes,
      closeTimeoutMs,
      deliveryTimeoutMs,
      autoReconnect,
      tls,
    } = this;
    return {
      batchSize,
      maxRequestBytes,
      flushWhenIdle,
      lingerMs,
      compression,
      maxPendingAcks,
      connectTimeoutMs,
      requestTimeoutMs,
      bufferMemory,
      maxBlockMs,
      maxWaitingBytes,
      closeTimeoutMs,
      deliveryTimeoutMs,
      autoReconnect,
      tls,
    };
  }
  protected make(fields: Fields, carried: Carried): ProducerConfig {
    return new ProducerConfig(fields, carried);
  }
}
