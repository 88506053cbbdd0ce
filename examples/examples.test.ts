/** The examples are part of the documentation: they run here against the embedded server. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LanceClient, Producer } from 'lnc-client';
import { LanceServer } from 'lnc-client/testing';
import { LanceOrdersService } from './nest-service';
import { run as runConsumer } from './promise-consumer';
import { run as runProducer } from './promise-producer';
import { run as runPipeline } from './rx-pipeline';
import { firstValueFrom, take, toArray } from 'rxjs';

let server: LanceServer;
beforeEach(async () => {
  server = await LanceServer.start({ groupCommitMs: 0 });
});
afterEach(() => server.stop());

it('rx-pipeline: big orders come back through topic$', async () => {
  const big = await runPipeline([server.address]);
  expect(big).toHaveLength(10);
  expect(big.every((o) => o.amount > 490)).toBe(true);
});

it('promise producer, then a consumer that resumes from its offset directory', async () => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  expect(await runProducer(server.address)).toBe(1003);
  const dir = await mkdtemp(join(tmpdir(), 'lnc-example-'));
  try {
    const client = await LanceClient.connect(server.address);
    const topic = (await client.listTopics()).find((t) => t.name === 'prices')!;
    await client.close();
    const first = await runConsumer(server.address, topic.id, dir, 500);
    expect(first[0]).toBe('{"symbol":"LNC","price":6942.25}');
    const producer = await Producer.connect(server.address);
    await producer.send(topic.id, 'after-restart');
    await producer.close();
    // The second run starts right after what the first one committed: nothing is read twice.
    const second = await runConsumer(server.address, topic.id, dir, 1);
    expect(first).toHaveLength(1003); // one 1 MiB fetch holds every record: one batch
    expect(second).toEqual(['after-restart']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('nest-style service publishes and streams paid orders', async () => {
  const service = new LanceOrdersService([server.address]);
  await service.onModuleInit();
  const paid = firstValueFrom(service.paid$().pipe(take(2), toArray()));
  await service.publish({ orderId: 'a', status: 'created' });
  await service.publish({ orderId: 'a', status: 'paid' });
  await service.publish({ orderId: 'b', status: 'paid' });
  expect((await paid).map((e) => e.orderId)).toEqual(['a', 'b']);
  await service.onModuleDestroy();
});
