/**
 * The public surface of `lnc-client`, by name: what is listed here is what we keep. The codec
 * (frames, payload encoders, TLV encoding, CRC) is `lnc-client/wire`; the embedded server is
 * `lnc-client/testing`; the engines' contract with the core (`Session`, `consumeTopic`,
 * `createProducer`, connection roles) is internal.
 */

// The reactive core
export { Lance, type CallOptions, type CloseOptions } from './rx/lance.js';
export type { LanceOptions, ReconnectOptions } from './rx/options.js';
export type { ConnectionState } from './rx/state.js';
export type { Logger } from './rx/logger.js';
export type { Health } from './rx/health.js';
export {
  DIAGNOSTICS_CHANNELS,
  type ConnectionDiagnostic,
  type ConsumeDiagnostic,
  type ProcessDiagnostic,
  type ProduceDiagnostic,
  type RequestDiagnostic,
} from './rx/diagnostics.js';
export { withSignal } from './rx/abort.js';

// Admin calls on a Lance
export {
  createTopic$,
  createTopicWithRetention$,
  listTopics$,
  getTopic$,
  deleteTopic$,
  setRetention$,
  getClusterStatus$,
  fetch$,
  subscribe$,
  unsubscribe$,
  commitOffset$,
  type Requester,
} from './rx/admin.js';
export { ensureTopic$, type EnsureTopicOptions } from './rx/ensure-topic.js';
export type { TopicInfo, RetentionInfo } from './wire/payloads/topic-response.js';
export type { RetentionOptions } from './wire/rules.js';
export type { ClusterStatus } from './wire/payloads/cluster-status.js';
export type { FetchResponse } from './wire/payloads/fetch.js';
export type { SubscribeAck } from './wire/payloads/subscription.js';

// Producing
export { whenRoom } from './rx/producer/when-room.js';
export type { RxProducer } from './rx/producer/create-producer.js';
export type { ProduceAck, ProduceFailure, ProduceOutcome, ProduceRejection } from './rx/producer/batch.js';
export type { OnFullPolicy, ProducerOptions } from './rx/producer/options.js';
export type { ProducerRecord } from './rx/producer/records.js';
export type { ProducerStats } from './rx/producer/stats.js';

// Consuming
export { ConsumedRecord } from './rx/consumer/consumed-record.js';
export type { ConsumeOptions, ProcessFn, ProcessRetryOptions } from './rx/consumer/options.js';
export type { RecordBatch } from './rx/consumer/record-batch.js';
export { SeekPosition } from './rx/consumer/seek-position.js';
export { toRecords } from './rx/consumer/to-records.js';

// Operators (each takes a scheduler: marble-testable)
export { autoCommit, type AutoCommitOptions } from './rx/operators/auto-commit.js';
export { backoffDelay, type BackoffDelayOptions } from './rx/operators/backoff-delay.js';
export { batchRecords, type BatchRecordsOptions } from './rx/operators/batch-records.js';
export { catchingUp, type CatchingUpOptions } from './rx/operators/catching-up.js';
export { idleKeepalive, type IdleKeepaliveOptions } from './rx/operators/idle-keepalive.js';
export { retryWithBackoff, type RetryInfo, type RetryWithBackoffOptions } from './rx/operators/retry-with-backoff.js';
export { timeoutAfter } from './rx/operators/timeout-after.js';

// Offset stores
export type { OffsetStore } from './offsets/offset-store.js';
export { MemoryOffsetStore } from './offsets/memory-offset-store.js';
export { FileOffsetStore, type FileOffsetStoreOptions } from './offsets/file-offset-store.js';
export { consumerIdFromName } from './offsets/consumer-id.js';

// The Promise API (names and builders of the official clients)
export { ClientConfig } from './client/config.js';
export { LanceClient, type ConnectOptions } from './client/lance-client.js';
export { Producer, type SendOptions, type ProducerConnectOptions } from './client/producer.js';
export { ProducerConfig } from './client/producer-config.js';
export { StandaloneConsumer } from './client/standalone-consumer.js';
export type { StandaloneConnectOptions, StandaloneOpenOptions } from './client/standalone-options.js';
export { StandaloneConfig } from './client/standalone-config.js';

// Records
export { TlvRecord, RecordType } from './wire/tlv.js';

// Errors
export {
  LanceError,
  isLanceError,
  ConnectionError,
  TimeoutError,
  InvalidFrameError,
  InvalidRecordError,
  BackpressureError,
  TopicNotFoundError,
  TopicAlreadyExistsError,
  InvalidTopicNameError,
  NotLeaderError,
  ForwardFailedError,
  ServerCatchingUpError,
  RateLimitedError,
  AuthenticationError,
  AccessDeniedError,
  InvalidArgumentError,
  ClosedError,
  AbortedError,
  OffsetStoreError,
  ProcessError,
  ServerError,
  type LanceErrorCode,
  type LanceErrorOptions,
} from './wire/errors.js';
export { TlsVerificationError } from './transport/errors.js';

// The transport seam (TLS options; a custom connector for tests)
export type { TlsOptions, Connector, Transport, TransportHandlers, TransportTarget } from './transport/index.js';
