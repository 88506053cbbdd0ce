/**
 * Issue 16 bullet 4: each shell reports its own connection's state — an RxProducer, a topic$
 * subscription (onState), and the Promise Producer and StandaloneConsumer — without keeping the
 * connection open by being watched.
 */
import { filter, firstValueFrom } from 'rxjs';
import {
  type ConnectionState,
  Lance,
  Producer,
  ProducerConfig,
  StandaloneConfig,
  StandaloneConsumer,
  createTopic$,
} from '../../src/index';
import { LanceServer } from '../../src/testing';

const until = async (check: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('per-shell connection state', () => {
  jest.setTimeout(20_000);
  let server: LanceServer;
  beforeEach(async () => {
    server = await LanceServer.start({ groupCommitMs: 0 });
  });
  afterEach(() => server.stop().catch(() => undefined));

  it('RxProducer.state$: connecting, then connected while producing, reconnecting in an outage, closed after close', async () => {
    const lance = new Lance({ servers: [server.address], reconnect: { baseMs: 10, maxMs: 20 }, graceMs: 0 });
    try {
      const topic = await firstValueFrom(createTopic$(lance, 'state-producer'));
      const producer = lance.producer(topic.id);
      const seen: ConnectionState['type'][] = [];
      const watch = producer.state$.subscribe((s) => seen.push(s.type));
      producer.next('x');
      await producer.flush();
      expect(producer.state).toMatchObject({ type: 'connected', address: server.address });

      await server.stop();
      await firstValueFrom(producer.state$.pipe(filter((s) => s.type === 'reconnecting')));
      await producer.close({ timeoutMs: 0 });
      await until(() => producer.state.type === 'closed');
      expect(seen.slice(seen.indexOf('connecting'), seen.indexOf('connecting') + 2)).toEqual([
        'connecting',
        'connected',
      ]);
      expect(seen).toContain('reconnecting');
      expect(seen[seen.length - 1]).toBe('closed');
      // Watching the producer's state did not keep its released socket's role registered.
      expect(lance.activeRoles).toBeLessThanOrEqual(1);
      watch.unsubscribe();
    } finally {
      await lance.close();
    }
  });

  it("topic$ onState: this subscription's own states, ending with closed when it is unsubscribed", async () => {
    const lance = new Lance({ servers: [server.address], graceMs: 0 });
    try {
      const topic = await firstValueFrom(createTopic$(lance, 'state-consumer'));
      const a: ConnectionState[] = [];
      const b: ConnectionState[] = [];
      const subA = lance.topic$(topic.id, undefined, { onState: (s) => a.push(s) }).subscribe();
      const subB = lance.topic$(topic.id, undefined, { onState: (s) => b.push(s) }).subscribe();
      await until(() => a.some((s) => s.type === 'connected') && b.some((s) => s.type === 'connected'));
      // Each subscription has its own socket, and sees only its own role.
      expect(new Set(a.map((s) => s.role)).size).toBe(1);
      expect(a[0]!.role).not.toBe(b[0]!.role);
      subA.unsubscribe();
      await until(() => a[a.length - 1]!.type === 'closed');
      expect(b[b.length - 1]!.type).toBe('connected');
      subB.unsubscribe();
    } finally {
      await lance.close();
    }
  });

  it('Promise Producer and StandaloneConsumer expose state: connected after connect, reconnecting in an outage', async () => {
    const lance = new Lance({ servers: [server.address] });
    const topic = await firstValueFrom(createTopic$(lance, 'state-promise'));
    await lance.close();
    const producer = await Producer.connect(server.address, new ProducerConfig());
    const consumer = await StandaloneConsumer.connect(server.address, new StandaloneConfig('states', topic.id));
    try {
      expect(producer.state).toMatchObject({ type: 'connected', role: producer.role });
      expect(consumer.state).toMatchObject({ type: 'connected', role: consumer.role });
      await server.stop();
      await firstValueFrom(producer.state$.pipe(filter((s) => s.type !== 'connected')));
      await firstValueFrom(consumer.state$.pipe(filter((s) => s.type !== 'connected')));
      expect(['connecting', 'reconnecting']).toContain(consumer.state.type);
    } finally {
      await producer.close({ timeoutMs: 0 });
      await consumer.close();
    }
  });
});
