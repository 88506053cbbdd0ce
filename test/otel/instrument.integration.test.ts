/**
 * Issue 16 bullet 3: `lnc-client/otel` against the embedded server, read back through the in-memory
 * OpenTelemetry SDK: spans with the messaging semantic-convention attributes, and the metrics.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { firstValueFrom } from 'rxjs';
import { Lance, createTopic$ } from '../../src/index';
import { instrumentLance, type Instrumentation } from '../../src/otel/index';
import { LanceServer } from '../../src/testing';

function metricsOf(
  rm: ResourceMetrics[],
): Map<string, { points: { value: unknown; attributes: Record<string, unknown> }[] }> {
  const out = new Map<string, { points: { value: unknown; attributes: Record<string, unknown> }[] }>();
  for (const r of rm) {
    for (const scope of r.scopeMetrics) {
      for (const m of scope.metrics) {
        out.set(m.descriptor.name, {
          points: m.dataPoints.map((p) => ({ value: p.value, attributes: p.attributes as Record<string, unknown> })),
        });
      }
    }
  }
  return out;
}

describe('lnc-client/otel', () => {
  jest.setTimeout(20_000);
  let server: LanceServer;
  let lance: Lance;
  let spans: InMemorySpanExporter;
  let metricExporter: InMemoryMetricExporter;
  let reader: PeriodicExportingMetricReader;
  let meterProvider: MeterProvider;
  let otel: Instrumentation;

  beforeEach(async () => {
    server = await LanceServer.start({ groupCommitMs: 0 });
    lance = new Lance({ servers: [server.address] });
    spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
    meterProvider = new MeterProvider({ readers: [reader] });
    otel = instrumentLance({ tracerProvider, meterProvider });
  });

  afterEach(async () => {
    otel.disable();
    await lance.close();
    await server.stop();
    await meterProvider.shutdown();
  });

  const collect = async () => {
    await reader.forceFlush();
    return metricsOf(metricExporter.getMetrics());
  };

  it('a produce yields one PRODUCER span per batch with the messaging attributes, and sent.messages counts the records', async () => {
    const topic = await firstValueFrom(createTopic$(lance, 'otel-produce'));
    const producer = lance.producer(topic.id);
    for (let i = 0; i < 10; i++) producer.next(`record ${i}`);
    await producer.flush();

    const sends = spans.getFinishedSpans().filter((s) => s.name === `send ${topic.id}`);
    expect(sends.length).toBeGreaterThanOrEqual(1);
    const [host, port] = server.address.split(':');
    for (const s of sends) {
      expect(s.kind).toBe(SpanKind.PRODUCER);
      expect(s.status.code).not.toBe(SpanStatusCode.ERROR);
      expect(s.attributes).toEqual({
        'messaging.system': 'lance',
        'messaging.destination.name': String(topic.id),
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.batch.message_count': expect.any(Number),
        'lance.batch.id': expect.stringMatching(/^\d+$/),
        'lance.batch.attempt': 1,
        'lance.batch.bytes': expect.any(Number),
        'server.address': host,
        'server.port': Number(port),
      });
    }
    expect(sends.reduce((n, s) => n + (s.attributes['messaging.batch.message_count'] as number), 0)).toBe(10);

    const m = await collect();
    const sent = m.get('messaging.client.sent.messages')!.points;
    expect(sent.reduce((n, p) => n + (p.value as number), 0)).toBe(10);
    expect(sent.every((p) => p.attributes['error.type'] === undefined)).toBe(true);
    const duration = m
      .get('messaging.client.operation.duration')!
      .points.find((p) => p.attributes['messaging.operation.name'] === 'send');
    expect(duration).toBeDefined();
    expect(m.get('lance.producer.buffered')!.points).toContainEqual(expect.objectContaining({ value: 0 }));
  });

  it('a failed batch ends its span with error.type and an ERROR status, and is counted with error.type', async () => {
    const producer = lance.producer(4242);
    producer.next('to a topic that does not exist');
    await expect(producer.flush()).rejects.toMatchObject({ code: 'TOPIC_NOT_FOUND' });

    const [span] = spans.getFinishedSpans().filter((s) => s.name === 'send 4242');
    expect(span).toBeDefined();
    expect(span!.attributes['error.type']).toBe('TOPIC_NOT_FOUND');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    const sent = (await collect()).get('messaging.client.sent.messages')!.points;
    expect(sent).toContainEqual(
      expect.objectContaining({ value: 1, attributes: expect.objectContaining({ 'error.type': 'TOPIC_NOT_FOUND' }) }),
    );
  });

  it('a consume yields a CONSUMER span around each batch handed to process, consumed.messages and the lag gauge', async () => {
    const topic = await firstValueFrom(createTopic$(lance, 'otel-consume'));
    const producer = lance.producer(topic.id);
    for (let i = 0; i < 25; i++) producer.next(`record ${i}`);
    await producer.flush();

    let seen = 0;
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    const sub = lance
      .topic$(topic.id, 0n, {
        process: async (batch) => {
          seen += batch.records.length;
          await new Promise((r) => setTimeout(r, 5));
        },
      })
      .subscribe(() => seen >= 25 && done());
    await all;
    sub.unsubscribe();

    const processes = spans.getFinishedSpans().filter((s) => s.name === `process ${topic.id}`);
    expect(processes.length).toBeGreaterThanOrEqual(1);
    for (const s of processes) {
      expect(s.kind).toBe(SpanKind.CONSUMER);
      expect(s.attributes).toMatchObject({
        'messaging.system': 'lance',
        'messaging.destination.name': String(topic.id),
        'messaging.operation.type': 'process',
        'messaging.batch.message_count': expect.any(Number),
      });
      // It spans the awaited process callback.
      const ms = (s.endTime[0] - s.startTime[0]) * 1e3 + (s.endTime[1] - s.startTime[1]) / 1e6;
      expect(ms).toBeGreaterThanOrEqual(4);
    }
    expect(processes.reduce((n, s) => n + (s.attributes['messaging.batch.message_count'] as number), 0)).toBe(25);

    const m = await collect();
    const consumed = m.get('messaging.client.consumed.messages')!.points;
    expect(consumed.reduce((n, p) => n + (p.value as number), 0)).toBe(25);
    const lag = m
      .get('lance.consumer.lag')!
      .points.find((p) => p.attributes['messaging.destination.name'] === String(topic.id));
    expect(lag?.value).toBe(0);
  });

  it('disable() stops spans and metrics', async () => {
    otel.disable();
    const topic = await firstValueFrom(createTopic$(lance, 'otel-disabled'));
    const producer = lance.producer(topic.id);
    producer.next('unseen');
    await producer.flush();
    expect(spans.getFinishedSpans().filter((s) => s.name.startsWith('send '))).toEqual([]);
    expect((await collect()).get('messaging.client.sent.messages')?.points ?? []).toEqual([]);
  });
});
