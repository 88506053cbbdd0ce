import { filter, firstValueFrom, map, range, take, toArray } from 'rxjs';
import { Lance, toRecords, type ProduceOutcome } from '../../src/index';
import { LanceServer } from '../../src/testing';

describe('lance.producer() into lance.topic$() — the Rx round trip', () => {
  let server: LanceServer;
  let lance: Lance;

  beforeEach(async () => {
    server = await LanceServer.start({ groupCommitMs: 0 });
    lance = new Lance({ servers: [server.address] });
  });

  afterEach(async () => {
    await lance.close();
    await server.stop();
  });

  it('delivers what an Rx pipeline produced, in order, and close() drains the producer first', async () => {
    const setup = new Lance({ servers: [server.address] });
    const { createTopic$ } = await import('../../src/rx/admin');
    const topic = await firstValueFrom(createTopic$(setup, 'round-trip'));
    await setup.close();

    const producer = lance.producer(topic.id, { lingerMs: 2 });
    const outcomes: ProduceOutcome[] = [];
    producer.acks$.subscribe((o) => outcomes.push(o));
    range(0, 20_000)
      .pipe(map((i) => `event-${i}`))
      .subscribe(producer);
    await producer.flush();
    expect(outcomes.every((o) => o.type === 'acked')).toBe(true);
    expect(outcomes.reduce((n, o) => n + (o.type === 'acked' ? o.count : 0), 0)).toBe(20_000);

    const texts = await firstValueFrom(
      lance.topic$(topic.id).pipe(
        toRecords(),
        map((r) => r.text()),
        filter((t) => t.endsWith('7')),
        take(2000),
        toArray(),
      ),
    );
    expect(texts[0]).toBe('event-7');
    expect(texts[1999]).toBe('event-19997');

    // Records still buffered when the client closes are sent and acked, not dropped.
    const late = lance.producer(topic.id, { lingerMs: 10_000 });
    const lateOutcomes: ProduceOutcome[] = [];
    late.acks$.subscribe((o) => lateOutcomes.push(o));
    late.next('sent-first');
    late.next('lingering');
    await lance.close();
    expect(lateOutcomes.map((o) => o.type)).toEqual(['acked', 'acked']);
  });
});
