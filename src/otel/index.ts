/**
 * `lnc-client/otel`: OpenTelemetry spans and metrics for every Lance client in the process, from
 * its diagnostics channels. Needs `@opentelemetry/api` (an optional peer dependency).
 *
 *   import { instrumentLance } from 'lnc-client/otel';
 *   const otel = instrumentLance();   // global providers, or { tracerProvider, meterProvider }
 *   …
 *   otel.disable();
 *
 * @packageDocumentation
 */
export { instrumentLance, type InstrumentOptions, type Instrumentation } from './instrument-lance.js';
