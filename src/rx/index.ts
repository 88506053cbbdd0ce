/** The reactive core (`Lance`) and its contract with the engines (`Session`). */
export { Lance, type CallOptions } from './lance.js';
export type { LanceOptions, ReconnectOptions } from './options.js';
export type { Session, SessionRole, RequestOptions } from './session.js';
export type { ConnectionState } from './state.js';
export * from './admin.js';
export { withSignal, abortError$ } from './abort.js';
export * from './producer/index.js';
