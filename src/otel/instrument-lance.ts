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
  // Gauges report the last value seen per topic.
  const lastLag = new Map<number, number>();
  const lastBuffered = new Map<number, number>();
  const observeLag = observeLast(lastLag);
  const observeBuffered = observeLast(lastBuffered);
  lag.addCallback(observeLag);
  buffered.addCallback(observeBuffered);

  const running = new WeakMap<object, Running>();
  /** Starts the operation's span and remembers it on its diagnostics context. */
  const begin = (
    context: object,
    operation: Operation,
    topicId: number,
    server: string | undefined,
    extra: Attributes,
  ): void => {
    const attributes: Attributes = { ...topicAttributes(topicId), 'messaging.operation.type': operation };
    const span = tracer.startSpan(`${operation} ${destination(topicId)}`, {
      kind: operation === 'send' ? SpanKind.PRODUCER : SpanKind.CONSUMER,
      attributes: { ...attributes, 'messaging.operation.name': operation, ...extra, ...serverAttributes(server) },
    });
    running.set(context, { span, startedAt: performance.now(), attributes });
  };
  /** Ends the span (with error.type on failure) and records the duration; returns the metric attributes. */
  const finish = (context: { error?: unknown }, operation: Operation): Attributes | undefined => {
    const r = running.get(context);
    if (r === undefined) return undefined;
    running.delete(context);
    let attributes = r.attributes;
    if (context.error !== undefined) {
      const type = errorType(context.error);
      attributes = { ...attributes, 'error.type': type };
      r.span.setAttribute('error.type', type);
      r.span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(context.error) });
    }
    r.span.end();
    duration.record((performance.now() - r.startedAt) / 1000, { ...attributes, 'messaging.operation.name': operation });
    return attributes;
  };

  const produce = {
    start(message: unknown) {
      const c = message as ProduceDiagnostic;
      begin(c, 'send', c.topicId, c.server, {
        'messaging.batch.message_count': c.records,
        'lance.batch.id': c.batchId.toString(),
        'lance.batch.attempt': c.attempt,
        'lance.batch.bytes': c.bytes,
      });
      lastBuffered.set(c.topicId, c.bufferedBytes);
    },
    asyncEnd(message: unknown) {
      const c = message as ProduceDiagnostic;
      lastBuffered.set(c.topicId, c.bufferedBytes);
      const attributes = finish(c, 'send');
      if (attributes !== undefined) sent.add(c.records, { ...attributes, 'messaging.operation.name': 'send' });
    },
  };
  const processing = {
    start(message: unknown) {
      const c = message as ProcessDiagnostic;
      begin(c, 'process', c.topicId, c.server, {
        'messaging.batch.message_count': c.records,
        'lance.offset.start': c.startOffset.toString(),
        'lance.offset.end': c.endOffset.toString(),
      });
    },
    asyncEnd(message: unknown) {
      finish(message as ProcessDiagnostic, 'process');
    },
  };
  const onConsume = (message: unknown): void => {
    const c = message as ConsumeDiagnostic;
    consumed.add(c.records, {
      ...topicAttributes(c.topicId),
      'messaging.operation.type': 'receive',
      'messaging.operation.name': 'receive',
    });
    if (c.lagBytes !== undefined) lastLag.set(c.topicId, Number(c.lagBytes));
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

type Operation = 'send' | 'process';

function observeLast(last: ReadonlyMap<number, number>): (r: ObservableResult) => void {
  return (r) => {
    for (const [topicId, value] of last) r.observe(value, topicAttributes(topicId));
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
