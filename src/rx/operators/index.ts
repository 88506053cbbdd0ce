export { type AutoCommitOptions, autoCommit } from './auto-commit.js';
export { type BackoffDelayOptions, backoffDelay } from './backoff-delay.js';
export { type BatchRecordsOptions, batchRecords } from './batch-records.js';
export { type CatchingUpOptions, catchingUp } from './catching-up.js';
export { type IdleKeepaliveOptions, idleKeepalive } from './idle-keepalive.js';
export { type RetryInfo, type RetryWithBackoffOptions, retryWithBackoff } from './retry-with-backoff.js';
export { timeoutAfter } from './timeout-after.js';
