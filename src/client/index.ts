export { ClientConfig } from './config.js';
export { LanceClient, type ConnectOptions, type CallOptions } from './lance-client.js';
export { StandaloneConsumer, type ConsumerHost, type StandaloneConnectOptions, type StandaloneOpenOptions } from './standalone-consumer.js';
export { StandaloneConfig } from './standalone-config.js';
export { Producer, type ProducerHost, type SendOptions, type ProducerConnectOptions } from './producer.js';
export { ProducerConfig } from './producer-config.js';
