export * from './wire/index.js';
export * from './offsets/index.js';
export * from './rx/operators/index.js';
