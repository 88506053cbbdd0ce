/** `lnc-client/testing`: an embedded Lance server for tests (raw LWP on TCP or TLS, with faults). */
export { LanceServer, type LanceServerOptions, type RestartOptions } from './server.js';
export type { ConnectionStats } from './connection.js';
export { Faults, type FaultTargets } from './faults.js';
export type { LanceServerTlsOptions } from './tls.js';
export type { RetentionResult } from './retention.js';
export { serveMain } from './serve-command.js';
export {
  FaultProxy,
  type FaultProxyOptions,
  type FaultProxyStats,
  type FaultDirection,
  type DirectionOptions,
  type LatencyOptions,
  type DropAfterOptions,
} from './fault-proxy.js';
