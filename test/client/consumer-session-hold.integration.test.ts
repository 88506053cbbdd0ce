/**
 * StandaloneConsumer holds its role's socket for the whole of a step: a Fetch whose reply takes
 * longer than `graceMs` (default 1 s) is answered on the same connection, not cut by the grace
 * period ("connection released (no more users)") and retried on a new one.
 */
import { Lance } from '../../src/rx/lance';
import { Producer } from '../../src/client/producer';
import { StandaloneConfig } from '../../src/client/standalone-config';
import { StandaloneConsumer } from '../../src/client/standalone-consumer';
import type { ConnectionState } from '../../src/rx/state';
import { FaultProxy } from '../../src/testing/fault-proxy';
import { fastReconnect, serverWithAdmin } from './helpers';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

describe('StandaloneConsumer: the session is held while a step runs', () => {
  it('a poll whose Fetch reply is delayed past graceMs returns the batch on the same connection', async () => {
    const { server, topic } = await serverWithAdmin(cleanup);
    const topicId = await topic('consumer-slow-fetch');
    const producer = await Producer.connect(server.address);
    await producer.send(topicId, 'one');
    await producer.close();

    const proxy = await FaultProxy.start({ target: server.address });
    cleanup.push(() => proxy.stop());
    const consumer = await StandaloneConsumer.connect(
      proxy.address,
      new StandaloneConfig('slow-fetch', topicId).withPollTimeout(10_000),
      {
        lanceOptions: { reconnect: fastReconnect }, // graceMs stays at its default, 1 s
      },
    );
    cleanup.push(() => consumer.close({ timeoutMs: 0 }));
    const lance = consumer.lance as Lance;
    const states: ConnectionState['type'][] = [];
    const watch = lance.state$(consumer.role).subscribe((s) => states.push(s.type));
    cleanup.push(async () => watch.unsubscribe());
    const accepted = proxy.stats.accepted;

    proxy.pause({ direction: 'downstream' }); // the Fetch goes out, its reply is held...
    const resume = setTimeout(() => proxy.resume({ direction: 'downstream' }), 1_500); // ...past graceMs
    cleanup.push(async () => clearTimeout(resume));
    const batch = await consumer.poll();

    expect(batch).not.toBeNull();
    expect(batch!.records.map((r) => r.text())).toEqual(['one']);
    expect(proxy.stats.accepted).toBe(accepted);
    expect(states.filter((t) => t !== 'connected')).toEqual([]);
  }, 15_000);
});
