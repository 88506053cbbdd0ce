/**
 * `ConsumeOptions` with every default filled in and checked: what the consumer driver runs on, for
 * `lance.topic$()` and `StandaloneConsumer` alike. Resolved when the stream is built, so a bad
 * option throws at the call, not at subscription.
 */
import { InvalidArgumentError } from '../../wire/errors.js';
import { type Logger, SILENT_LOGGER } from '../logger.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../options.js';
import { type CommitTarget, resolveConsumerId } from './offset-committer.js';
import {
  type ConsumeOptions,
  type ProcessFn,
  type ProcessRetryOptions,
  DEFAULT_AUTO_COMMIT_INTERVAL_MS,
  DEFAULT_LAG_PROBE_INTERVAL_MS,
  DEFAULT_MAX_FETCH_BYTES,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_PREFETCH,
} from './options.js';
import { SeekPosition, toSeekPosition } from './seek-position.js';
import type { TopicReaderOptions } from './topic-reader.js';

export interface ConsumerSettings {
  readonly topicId: number;
  /** Where to start when no offset is stored. */
  readonly start: SeekPosition;
  readonly pollIntervalMs: number;
  readonly autoCommitIntervalMs: number | false;
  readonly reader: TopicReaderOptions;
  readonly commit: CommitTarget;
  readonly catchingUpDelayMs: number;
  readonly catchingUpMaxStalls: number;
  readonly backoff: ConsumeOptions['backoff'];
  readonly process: ProcessFn | undefined;
  readonly processRetry: ProcessRetryOptions | undefined;
  readonly logger: Logger;
  readonly onCommitError: ((err: unknown) => void) | undefined;
}

export function consumerSettings(topicId: number, options: ConsumeOptions): ConsumerSettings {
  const consumerId = resolveConsumerId(options.consumerId, options.consumerName);
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const prefetch = options.prefetch ?? DEFAULT_PREFETCH;
  if (prefetch !== 0 && prefetch !== 1)
    throw new InvalidArgumentError(`prefetch must be 0 or 1, got ${String(prefetch)}`);
  const offsetStore = options.offsetStore;
  if (offsetStore && consumerId === undefined) {
    throw new InvalidArgumentError('an offsetStore needs a consumerId or a consumerName');
  }
  return {
    topicId,
    start: toSeekPosition(options.from, SeekPosition.BEGINNING),
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    autoCommitIntervalMs: options.autoCommitIntervalMs ?? DEFAULT_AUTO_COMMIT_INTERVAL_MS,
    reader: {
      maxFetchBytes: options.maxFetchBytes ?? DEFAULT_MAX_FETCH_BYTES,
      requestTimeoutMs,
      maxRecordLength: options.maxRecordLength,
      unwrapCompressed: options.unwrapCompressed,
      lagProbeIntervalMs: options.lagProbeIntervalMs ?? DEFAULT_LAG_PROBE_INTERVAL_MS,
      prefetch,
    },
    commit: { topicId, consumerId, offsetStore, serverCommit: options.serverCommit ?? false, requestTimeoutMs },
    catchingUpDelayMs: options.catchingUpDelayMs ?? 5_000,
    catchingUpMaxStalls: options.catchingUpMaxStalls ?? 3,
    backoff: options.backoff,
    process: options.process,
    processRetry: options.processRetry,
    logger: options.logger ?? SILENT_LOGGER,
    onCommitError: options.onCommitError,
  };
}
