/** LanceClient against the embedded LanceServer: every admin operation and error string. */
import { firstValueFrom } from 'rxjs';
import { LanceClient } from '../../src/client/lance-client';
import { ClientConfig } from '../../src/client/config';
import { FaultProxy, LanceServer } from '../../src/testing';
import { Command, U64_MAX } from '../../src/wire/constants';
import { decodeRecords } from '../../src/wire/tlv';
import { ingest, uniqueName } from './helpers';

let server: LanceServer;
let client: LanceClient;

beforeAll(async () => {
  server = await LanceServer.start({ host: '127.0.0.1', port: 0, groupCommitMs: 0 });
  client = await LanceClient.connect(ClientConfig.fromAddress(server.address).withReconnect({ baseMs: 10, maxMs: 50 }));
});
afterAll(async () => {
  await client.close();
  await server.stop();
});

describe('LanceClient admin operations (embedded server)', () => {
  it('creates, gets, lists and deletes topics', async () => {
    const name = uniqueName('orders');
    const t = await client.createTopic(name);
    expect(t).toMatchObject({ name, topicEpoch: 1 });
    expect(t.id).toBeGreaterThan(0);
    expect(t.createdAt).toBeInstanceOf(Date);
    expect(await client.getTopic(t.id)).toMatchObject({ id: t.id, name });
    expect((await client.listTopics()).map((x) => x.name)).toContain(name);
    await client.deleteTopic(t.id);
    await expect(client.getTopic(t.id)).rejects.toMatchObject({
      code: 'TOPIC_NOT_FOUND',
      serverMessage: 'Topic not found',
    });
  });

  it('retention: omitted = no limit; setRetention updates', async () => {
    const t = await client.createTopicWithRetention(uniqueName('logs'), { maxAgeSecs: 7 * 86400 });
    expect(t.retention).toEqual({ maxAgeSecs: 604800n, maxBytes: U64_MAX });
    expect(await client.setRetention(t.id, { maxBytes: 1 << 30 })).toEqual({
      topicId: t.id,
      maxAgeSecs: 10_000_000_000n,
      maxBytes: 1073741824n,
    });
    await expect(client.setRetention(t.id, { maxBytes: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('ensureTopic creates once and then finds the same topic', async () => {
    const name = uniqueName('ensure');
    const a = await client.ensureTopic(name);
    const b = await client.ensureTopic(name);
    expect(b.id).toBe(a.id);
  });

  it('ping and cluster status', async () => {
    const rtt = await client.ping();
    expect(rtt).toBeGreaterThan(0);
    expect(rtt).toBeLessThan(1000);
    expect(await client.getClusterStatus()).toMatchObject({
      mode: 'standalone',
      isLeader: true,
      nodeId: 0,
      nodeCount: 1,
    });
  });

  it('ping is in milliseconds, as Lance.ping is: 40 ms of one-way latency reads as about 80', async () => {
    const proxy = await FaultProxy.start({ target: server.address });
    const slow = await LanceClient.connect(ClientConfig.fromAddress(proxy.address));
    try {
      await slow.ping();
      proxy.setLatency(40);
      const [viaClient, viaLance] = [await slow.ping(), await slow.lance.ping()];
      for (const rtt of [viaClient, viaLance]) {
        expect(rtt).toBeGreaterThanOrEqual(70);
        expect(rtt).toBeLessThan(5000);
      }
    } finally {
      await slow.close();
      await proxy.stop();
    }
  });

  it('fetch, CatchingUp, subscribe, commit and unsubscribe', async () => {
    const t = await client.createTopic(uniqueName('fetch'));
    const producer = await firstValueFrom(client.lance.session$('producer:test'));
    await ingest(producer, t.id, ['hello', 'world']);
    const r = await client.fetch(t.id, 0n, 1 << 20);
    expect(r.nextOffset).toBe(20n);
    expect(decodeRecords(r.data).records.map((x) => new TextDecoder().decode(x.value))).toEqual(['hello', 'world']);
    expect((await client.fetch(t.id, U64_MAX, 1)).nextOffset).toBe(20n);
    await expect(client.fetch(t.id, 100n, 1024)).rejects.toMatchObject({
      code: 'SERVER_CATCHING_UP',
      serverOffset: 20n,
    });

    expect(await client.subscribe(t.id, 0n, 65536, 42n)).toEqual({ consumerId: 42n, startOffset: 0n });
    expect(await client.commitOffset(t.id, 42n, 20n)).toEqual({ consumerId: 42n, committedOffset: 20n });
    await client.unsubscribe(t.id, 42n);
    expect(await client.subscribe(t.id, 0n, 65536, 42n)).toEqual({ consumerId: 42n, startOffset: 20n });
  });

  it.each([
    ['GET_TOPIC unknown', () => client.getTopic(987654), 'TOPIC_NOT_FOUND', 'Topic not found'],
    [
      'DELETE_TOPIC unknown',
      () => client.deleteTopic(987654),
      'TOPIC_NOT_FOUND',
      'Configuration error: Topic 987654 not found',
    ],
    [
      'SET_RETENTION unknown',
      () => client.setRetention(987654, { maxAgeSecs: 5 }),
      'TOPIC_NOT_FOUND',
      'Configuration error: Topic 987654 not found',
    ],
    ['FETCH unknown', () => client.fetch(987654, 0n, 10), 'TOPIC_NOT_FOUND', 'Topic 987654 not found'],
    [
      'server-side name check',
      () => client.lance.request(Command.CREATE_TOPIC, new TextEncoder().encode('a_b')),
      'INVALID_TOPIC_NAME',
      undefined,
    ],
    ['empty name', () => client.lance.request(Command.CREATE_TOPIC), 'INVALID_TOPIC_NAME', 'Topic name required'],
    ['server-only code', () => client.lance.request(Command.TOPIC_RESPONSE), 'SERVER_ERROR', 'Invalid client command'],
    [
      'short payload',
      () => client.lance.request(Command.SUBSCRIBE, new Uint8Array(3)),
      'SERVER_ERROR',
      'Invalid subscribe payload',
    ],
  ] as const)('%s → typed error', async (_label, op, code, text) => {
    const err = await op().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code });
    if (text !== undefined) expect(err).toMatchObject({ serverMessage: text });
  });

  it('duplicate create → TopicAlreadyExistsError; rate limit → RateLimitedError', async () => {
    const name = uniqueName('dup');
    const t = await client.createTopic(name);
    await expect(client.createTopic(name)).rejects.toMatchObject({
      code: 'TOPIC_ALREADY_EXISTS',
      serverMessage: `Topic '${name}' already exists`,
    });
    server.faults.rateLimitFetches(1);
    await expect(client.fetch(t.id, 0n, 10)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      serverMessage: 'Rate limit exceeded',
    });
    await expect(client.fetch(t.id, 0n, 10)).resolves.toMatchObject({ nextOffset: 0n });
  });

  it('FORWARD_FAILED is retried until it succeeds', async () => {
    server.faults.forwardFailed({ admin: 3 });
    const t = await client.createTopic(uniqueName('fwd'));
    expect(t.id).toBeGreaterThan(0);
    server.faults.clear();
  });

  it('an AbortSignal cancels a call', async () => {
    await expect(client.listTopics({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    expect((await client.listTopics()).length).toBeGreaterThan(0); // the FIFO stayed aligned
  });
});
