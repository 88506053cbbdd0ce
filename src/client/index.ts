export { ClientConfig } from './config.js';
export { LanceClient, type ConnectOptions, type CallOptions } from './lance-client.js';
