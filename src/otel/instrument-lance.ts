/**
 * OpenTelemetry for lnc-client: subscribes to the client's diagnostics channels (src/rx/diagnostics.ts)
 * and turns them into messaging spans and metrics. It patches nothing; `disable()` unsubscribes.
 */
import {
  type Attributes,
  type MeterProvider,
  type ObservableResult,
  type Span,
  type TracerProvider,
  SpanKind,
  SpanStatusCode,
  metrics,
  trace,
} from '@opentelemetry/api';
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import {
  DIAGNOSTICS_CHANNELS,
  type ConsumeDiagnostic,
  type ProcessDiagnostic,
  type ProduceDiagnostic,
} from '../rx/diagnostics.js';
import { SYSTEM, destination, errorMessage, errorType, serverAttributes } from './attributes.js';

export interface InstrumentOptions {
  /** Default: the global provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider;
  /** Default: the global provider (`metrics.getMeterProvider()`). */
  readonly meterProvider?: MeterProvider;
}

export interface Instrumentation {
  /** Stops producing spans and metrics (unsubscribes from every channel). */
  disable(): void;
}

const NAME = 'lnc-client';

interface Running {
  readonly span: Span;
  readonly startedAt: number;
  readonly attributes: Attributes;
}

/** Starts tracing and measuring every Lance client in this process; returns the handle that stops it. */
export function instrumentLance(options: InstrumentOptions = {}): Instrumentation {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(NAME);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(NAME);
  const sent = meter.createCounter('messaging.client.sent.messages', {
    unit: '{message}',
    description: 'Messages the producer attempted to send, by outcome (error.type on failure).',
  });
  const consumed = meter.createCounter('messaging.client.consumed.messages', {
    unit: '{message}',
    description: 'Messages fetched and delivered to the application.',
  });
  const duration = meter.createHistogram('messaging.client.operation.duration', {
    unit: 's',
    description: 'Duration of send (batch written to ack) and process (batch handled by user code).',
  });
  const lag = meter.createObservableGauge('lance.consumer.lag', {
    unit: 'By',
    description: 'Bytes between the last delivered batch and the end of the topic.',
  });
  const buffered = meter.createObservableGauge('lance.producer.buffered', {
    unit: 'By',
    description: 'Bytes admitted by producers and not yet settled.',
  });
  const lastLag = new Map<number, bigint>();
  const lastBuffered = new Map<number, number>();
  const observeLag = (r: ObservableResult): void => {
    for (const [topicId, bytes] of lastLag) r.observe(Number(bytes), topicAttributes(topicId));
  };
  const observeBuffered = (r: ObservableResult): void => {
    for (const [topicId, bytes] of lastBuffered) r.observe(bytes, topicAttributes(topicId));
  };
  lag.addCallback(observeLag);
  buffered.addCallback(observeBuffered);

  const running = new WeakMap<object, Running>();
  const finish = (context: { error?: unknown }, operation: 'send' | 'process'): Running | undefined => {
    const r = running.get(context);
    if (r === undefined) return undefined;
    running.delete(context);
    const failed = context.error !== undefined;
    const attributes: Attributes = failed ? { ...r.attributes, 'error.type': errorType(context.error) } : r.attributes;
    if (failed) {
      r.span.setAttribute('error.type', errorType(context.error));
      r.span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(context.error) });
    }
    r.span.end();
    duration.record((performance.now() - r.startedAt) / 1000, { ...attributes, 'messaging.operation.name': operation });
    return { ...r, attributes };
  };

  const produce = {
    start(message: unknown) {
      const c = message as ProduceDiagnostic;
      const attributes: Attributes = { ...topicAttributes(c.topicId), 'messaging.operation.type': 'send' };
      const span = tracer.startSpan(`send ${destination(c.topicId)}`, {
        kind: SpanKind.PRODUCER,
        attributes: {
          ...attributes,
          'messaging.operation.name': 'send',
          'messaging.batch.message_count': c.records,
          'lance.batch.id': c.batchId.toString(),
          'lance.batch.attempt': c.attempt,
          'lance.batch.bytes': c.bytes,
          ...serverAttributes(c.server),
        },
      });
      running.set(c, { span, startedAt: performance.now(), attributes });
      lastBuffered.set(c.topicId, c.bufferedBytes);
    },
    asyncEnd(message: unknown) {
      const c = message as ProduceDiagnostic;
      lastBuffered.set(c.topicId, c.bufferedBytes);
      const r = finish(c, 'send');
      if (r !== undefined) sent.add(c.records, { ...r.attributes, 'messaging.operation.name': 'send' });
    },
  };
  const processing = {
    start(message: unknown) {
      const c = message as ProcessDiagnostic;
      const attributes: Attributes = { ...topicAttributes(c.topicId), 'messaging.operation.type': 'process' };
      const span = tracer.startSpan(`process ${destination(c.topicId)}`, {
        kind: SpanKind.CONSUMER,
        attributes: {
          ...attributes,
          'messaging.operation.name': 'process',
          'messaging.batch.message_count': c.records,
          'lance.offset.start': c.startOffset.toString(),
          'lance.offset.end': c.endOffset.toString(),
          ...serverAttributes(c.server),
        },
      });
      running.set(c, { span, startedAt: performance.now(), attributes });
    },
    asyncEnd(message: unknown) {
      finish(message as ProcessDiagnostic, 'process');
    },
  };
  const onConsume = (message: unknown): void => {
    const c = message as ConsumeDiagnostic;
    consumed.add(c.records, { ...topicAttributes(c.topicId), 'messaging.operation.type': 'receive', 'messaging.operation.name': 'receive' });
    if (c.lagBytes !== undefined) lastLag.set(c.topicId, c.lagBytes);
  };

  const produceChannel = tracingChannel(DIAGNOSTICS_CHANNELS.produce);
  const processChannel = tracingChannel(DIAGNOSTICS_CHANNELS.process);
  const tracing = [
    [produceChannel, withNoops(produce)],
    [processChannel, withNoops(processing)],
  ] as const;
  for (const [ch, handlers] of tracing) ch.subscribe(handlers);
  subscribe(DIAGNOSTICS_CHANNELS.consume, onConsume);

  let enabled = true;
  return {
    disable() {
      if (!enabled) return;
      enabled = false;
      for (const [ch, handlers] of tracing) ch.unsubscribe(handlers);
      unsubscribe(DIAGNOSTICS_CHANNELS.consume, onConsume);
      lag.removeCallback(observeLag);
      buffered.removeCallback(observeBuffered);
    },
  };
}

function topicAttributes(topicId: number): Attributes {
  return { 'messaging.system': SYSTEM, 'messaging.destination.name': destination(topicId) };
}

type Handler = (message: unknown) => void;
const noop: Handler = () => undefined;

/** TracingChannel.subscribe wants all five handlers; `error` is read from the context at asyncEnd. */
function withNoops(h: { start: Handler; asyncEnd: Handler }) {
  return { start: h.start, end: noop, asyncStart: noop, asyncEnd: h.asyncEnd, error: noop };
}
