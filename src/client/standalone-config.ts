/**
 * `StandaloneConfig`: the seed README's builder for `StandaloneConsumer` (python-client-README
 * "StandaloneConfig"), immutable: every `with*` returns a new config. Durations are milliseconds
 * (`auto_commit_interval_s` → `autoCommitIntervalMs`). Defaults match the README and the Rust
 * `StandaloneConfig` (PROTOCOL.md §7.5).
 */
import type { LanceOptions } from '../rx/options.js';
import { SeekPosition } from '../rx/consumer/seek-position.js';
import type { TlsOptions } from '../transport/types.js';
import { InvalidArgumentError } from '../wire/errors.js';
import { checkTopicId } from '../offsets/offset-store.js';
import { duration } from './checks.js';
import { type Carried, Settings } from './settings.js';

interface Fields {
  readonly maxFetchBytes: number;
  readonly startPosition: SeekPosition;
  readonly offsetDir: string | undefined;
  readonly autoCommitIntervalMs: number | false;
  readonly pollIntervalMs: number;
  readonly pollTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly serverCommit: boolean;
  readonly catchingUpDelayMs: number;
  readonly catchingUpMaxStalls: number;
  readonly lagProbeIntervalMs: number | false;
  readonly closeTimeoutMs: number | undefined;
  readonly tls: TlsOptions | undefined;
}

const DEFAULTS: Fields = {
  maxFetchBytes: 1_048_576,
  startPosition: SeekPosition.BEGINNING,
  offsetDir: undefined,
  autoCommitIntervalMs: 5_000,
  pollIntervalMs: 100,
  pollTimeoutMs: 100,
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  serverCommit: true,
  catchingUpDelayMs: 5_000,
  catchingUpMaxStalls: 3,
  lagProbeIntervalMs: 1_000,
  closeTimeoutMs: undefined,
  tls: undefined,
};

export class StandaloneConfig extends Settings<Fields, StandaloneConfig> {
  /** Bytes asked for per Fetch. Default 1048576 (1 MiB). */
  readonly maxFetchBytes: number;
  /** Where to start when no offset is stored. Default BEGINNING. */
  readonly startPosition: SeekPosition;
  /** Persist offsets as `<dir>/<consumerName>/topic-<t>-consumer-<id>.offset`, shared with Rust consumers. Default none (memory). */
  readonly offsetDir: string | undefined;
  /** Commit processed offsets at most this often; `false` = manual `commit()` only. Default 5000. */
  readonly autoCommitIntervalMs: number | false;
  /** Wait between fetches while caught up. Default 100. */
  readonly pollIntervalMs: number;
  /** How long `poll()` keeps polling an empty topic before resolving `null`. Default 100. */
  readonly pollTimeoutMs: number;
  /** TCP connect (+ TLS) deadline. Default 10000. */
  readonly connectTimeoutMs: number;
  /** Deadline of each request (a late reply kills the connection, which is then re-opened). Default 30000. */
  readonly requestTimeoutMs: number;
  /** Also send CommitOffset to the server (kept in its memory), errors ignored, like the Rust consumer. Default true. */
  readonly serverCommit: boolean;
  /** Wait after a CatchingUp reply. Default 5000. */
  readonly catchingUpDelayMs: number;
  /** CatchingUp replies with a stuck server offset before `ServerCatchingUpError` is thrown. Default 3. */
  readonly catchingUpMaxStalls: number;
  /** Probe the topic end for `batch.lag` at most this often; `false` = never. Default 1000. */
  readonly lagProbeIntervalMs: number | false;
  /** How long `close()` waits for the final commit, pending saves and the connection by default.
   *  Default min(10000, `requestTimeoutMs`), as the producer's. */
  readonly closeTimeoutMs: number | undefined;
  readonly tls: TlsOptions | undefined;

  constructor(
    /** Names the consumer: its offset directory and (SipHash-1-3) consumer id, as in Rust. */
    readonly consumerName: string,
    readonly topicId: number,
    fields: Partial<Fields> = {},
    carried?: Carried | string,
  ) {
    super(carried);
    if (typeof consumerName !== 'string') throw new InvalidArgumentError('consumer name must be a string');
    checkTopicId(topicId);
    const f = { ...DEFAULTS, ...fields };
    this.maxFetchBytes = f.maxFetchBytes;
    this.startPosition = f.startPosition;
    this.offsetDir = f.offsetDir;
    this.autoCommitIntervalMs = f.autoCommitIntervalMs;
    this.pollIntervalMs = f.pollIntervalMs;
    this.pollTimeoutMs = f.pollTimeoutMs;
    this.connectTimeoutMs = f.connectTimeoutMs;
    this.requestTimeoutMs = f.requestTimeoutMs;
    this.serverCommit = f.serverCommit;
    this.catchingUpDelayMs = f.catchingUpDelayMs;
    this.catchingUpMaxStalls = f.catchingUpMaxStalls;
    this.lagProbeIntervalMs = f.lagProbeIntervalMs;
    this.closeTimeoutMs = f.closeTimeoutMs;
    this.tls = f.tls;
  }

  withMaxFetchBytes(bytes: number): StandaloneConfig {
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > 0xffff_ffff) {
      throw new InvalidArgumentError(`max fetch bytes must be an integer in [1, 2^32-1], got ${bytes}`);
    }
    return this.with({ maxFetchBytes: bytes });
  }
  withStartPosition(position: SeekPosition): StandaloneConfig {
    return this.with({ startPosition: position });
  }
  withOffsetDir(dir: string): StandaloneConfig {
    return this.with({ offsetDir: dir });
  }
  withAutoCommitInterval(ms: number): StandaloneConfig {
    if (!(ms > 0) || !Number.isFinite(ms))
      throw new InvalidArgumentError(`auto-commit interval must be > 0 ms, got ${ms}`);
    return this.with({ autoCommitIntervalMs: ms });
  }
  /** No auto-commit: offsets are stored only by `commit()`. */
  withManualCommit(): StandaloneConfig {
    return this.with({ autoCommitIntervalMs: false });
  }
  withPollInterval(ms: number): StandaloneConfig {
    return this.with({ pollIntervalMs: duration(ms, 'poll interval') });
  }
  withPollTimeout(ms: number): StandaloneConfig {
    return this.with({ pollTimeoutMs: duration(ms, 'poll timeout') });
  }
  withServerCommit(enabled = true): StandaloneConfig {
    return this.with({ serverCommit: enabled });
  }
  withCatchingUpBackoff(delayMs: number, maxStalls = 3): StandaloneConfig {
    if (!Number.isInteger(maxStalls) || maxStalls < 1)
      throw new InvalidArgumentError(`max stalls must be an integer >= 1, got ${maxStalls}`);
    return this.with({ catchingUpDelayMs: duration(delayMs, 'catching-up delay'), catchingUpMaxStalls: maxStalls });
  }
  withLagProbeInterval(ms: number | false): StandaloneConfig {
    return this.with({ lagProbeIntervalMs: ms === false ? false : duration(ms, 'lag probe interval') });
  }
  withCloseTimeoutMs(ms: number): StandaloneConfig {
    return this.with({ closeTimeoutMs: duration(ms, 'close timeout') });
  }

  toLanceOptions(servers: readonly string[]): LanceOptions {
    return {
      servers,
      connectTimeoutMs: this.connectTimeoutMs,
      requestTimeoutMs: this.requestTimeoutMs,
      ...(this.tls ? { tls: this.tls } : {}),
      ...(this.authToken !== undefined ? { token: this.authToken } : {}),
      ...this.loggerOption,
    };
  }

  override toJSON(): Record<string, unknown> {
    return { consumerName: this.consumerName, topicId: this.topicId, ...super.toJSON() };
  }

  protected fields(): Fields {
    const {
      maxFetchBytes,
      startPosition,
      offsetDir,
      autoCommitIntervalMs,
      pollIntervalMs,
      pollTimeoutMs,
      connectTimeoutMs,
      requestTimeoutMs,
      serverCommit,
      catchingUpDelayMs,
      catchingUpMaxStalls,
      lagProbeIntervalMs,
      closeTimeoutMs,
      tls,
    } = this;
    return {
      maxFetchBytes,
      startPosition,
      offsetDir,
      autoCommitIntervalMs,
      pollIntervalMs,
      pollTimeoutMs,
      connectTimeoutMs,
      requestTimeoutMs,
      serverCommit,
      catchingUpDelayMs,
      catchingUpMaxStalls,
      lagProbeIntervalMs,
      closeTimeoutMs,
      tls,
    };
  }
  protected make(fields: Fields, carried: Carried): StandaloneConfig {
    return new StandaloneConfig(this.consumerName, this.topicId, fields, carried);
  }
}
