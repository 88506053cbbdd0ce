export * from './wire/index.js';
export * from './offsets/index.js';
export * from './rx/operators/index.js';
export * from './rx/index.js';
export * from './rx/consumer/index.js';
export * from './client/index.js';
export { TlsVerificationError, type TlsOptions, type Connector, type Transport, type TransportHandlers, type TransportTarget } from './transport/index.js';
