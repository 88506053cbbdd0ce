export type { Connector, Transport, TransportHandlers, TransportTarget, TlsOptions } from './types.js';
export { connectNode } from './node.js';
export { TlsVerificationError } from './errors.js';
export { FakeNetwork, FakeSocket, type FakeNetworkOptions, type Defer } from './fake.js';
