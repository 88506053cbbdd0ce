/** Issue 16 bullet 4: every connection's state, and a health summary for health endpoints. */
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { Lance, createTopic$ } from '../../src/index';
import { summarizeHealth } from '../../src/rx/health';
import { LanceServer } from '../../src/testing';

describe('lance.states$() and lance.health()', () => {
  jest.setTimeout(20_000);

  it('shows every live role (control, consumer, producer), then the outage as down, and completes on close', async () => {
    const server = await LanceServer.start({ groupCommitMs: 0 });
    // A long grace period: the control socket must still be up when the others are.
    const lance = new Lance({ servers: [server.address], reconnect: { baseMs: 10, maxMs: 20 }, graceMs: 60_000 });
    try {
      const topic = await firstValueFrom(createTopic$(lance, 'health'));
      const producer = lance.producer(topic.id);
      producer.next('x');
      await producer.flush();
      const sub = lance.topic$(topic.id).subscribe();
      const all = await firstValueFrom(
        lance.states$().pipe(filter((m) => [...m.values()].filter((s) => s.type === 'connected').length === 3)),
      );
      expect([...all.keys()].map((r) => r.replace(/:\d+$/, ':n')).sort()).toEqual([
        'consumer:n',
        'control',
        'producer:n',
      ]);
      expect(lance.health()).toMatchObject({ status: 'up', failing: [] });

      await server.stop();
      await firstValueFrom(lance.states$().pipe(filter((m) => [...m.values()].every((s) => s.type !== 'connected'))));
      await firstValueFrom(lance.states$().pipe(filter(() => lance.health().failing.length > 0)));
      expect(lance.health().status).toBe('down');
      expect(lance.health().failing[0]).toMatchObject({ state: 'reconnecting', reason: expect.any(String) });
      sub.unsubscribe();
      producer.complete();

      const last = firstValueFrom(lance.states$().pipe(toArray()));
      await lance.close();
      const maps = await last;
      expect([...maps[maps.length - 1]!.values()].every((s) => s.type === 'closed')).toBe(true);
    } finally {
      await lance.close();
      await server.stop().catch(() => undefined);
    }
  });

  it('watching states$ does not keep released roles alive', async () => {
    const server = await LanceServer.start({ groupCommitMs: 0 });
    const lance = new Lance({ servers: [server.address], graceMs: 0 });
    try {
      const watch = lance.states$().subscribe();
      const topic = await firstValueFrom(createTopic$(lance, 'health-roles'));
      const producer = lance.producer(topic.id);
      producer.next('one record to read');
      await producer.flush();
      producer.complete();
      for (let i = 0; i < 5; i++) await firstValueFrom(lance.topic$(topic.id).pipe(take(1)));
      await new Promise((r) => setTimeout(r, 50));
      expect(lance.activeRoles).toBeLessThanOrEqual(1);
      watch.unsubscribe();
    } finally {
      await lance.close();
      await server.stop();
    }
  });

  it('summarizeHealth: degraded when some roles are connected and others failing; idle roles do not count', () => {
    const err = new Error('connect ECONNREFUSED');
    const h = summarizeHealth(
      new Map([
        ['control', { type: 'connected', role: 'control', address: 'a:1', epoch: 1 }],
        ['producer:1', { type: 'reconnecting', role: 'producer:1', attempt: 2, delayMs: 50, error: err }],
        ['consumer:3', { type: 'closed', role: 'consumer:3' }],
      ] as const),
    );
    expect(h).toEqual({
      status: 'degraded',
      connected: ['control'],
      failing: [{ role: 'producer:1', state: 'reconnecting', reason: 'connect ECONNREFUSED' }],
    });
  });
});
