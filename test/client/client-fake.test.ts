/** LanceClient over the fake transport: encoding of every call, reply decoding, error mapping. */
import { inspect } from 'node:util';
import { ClientConfig } from '../../src/client/config';
import { LanceClient } from '../../src/client/lance-client';
import { Command, U64_MAX } from '../../src/wire/constants';
import { commandOf, encodeAck, encodeControl } from '../../src/wire/control';
import { encodeAuthenticateResponse } from '../../src/wire/payloads/auth';
import { decodeCreateTopicWithRetention, decodeSetRetention } from '../../src/wire/payloads/topic';
import { encodeCatchingUp, encodeFetchResponse } from '../../src/wire/payloads/fetch';
import { decodeUnsubscribe } from '../../src/wire/payloads/subscription';
import type { Frame } from '../../src/wire/frame';
import { type Reply, errorReply, jsonReply, scriptedNetwork, topicJson } from '../rx/fake-server';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function fakeServer(extra: (f: Frame) => Reply = () => undefined) {
  const topics = new Map<string, number>();
  const s = scriptedNetwork({
    reply: (f) => {
      const r = extra(f);
      if (r !== undefined) return r;
      switch (commandOf(f)) {
        case Command.CREATE_TOPIC: {
          const name = text(f.payload);
          if (topics.has(name)) return errorReply(`Topic '${name}' already exists`);
          topics.set(name, topics.size + 1);
          return jsonReply(Command.TOPIC_RESPONSE, topicJson(topics.size, name));
        }
        case Command.LIST_TOPICS:
          return jsonReply(
            Command.TOPIC_RESPONSE,
            `{"topics":[${[...topics].map(([n, id]) => topicJson(id, n)).join(',')}]}`,
          );
        case Command.GET_CLUSTER_STATUS:
          return jsonReply(
            Command.CLUSTER_STATUS_RESPONSE,
            '{"current_term":0,"healthy_nodes":1,"is_leader":true,"leader_id":0,"mode":"standalone","node_count":1,"node_id":0,"peer_states":{},"quorum_available":true}',
          );
        default:
          return undefined;
      }
    },
  });
  return { ...s, topics };
}

async function connect(server = fakeServer(), config = new ClientConfig()) {
  const client = await LanceClient.connect(config, { lanceOptions: { connector: server.network.connector } });
  return { client, server };
}

describe('LanceClient (fake transport)', () => {
  it('creates, lists and describes topics', async () => {
    const { client } = await connect();
    const t = await client.createTopic('events');
    expect(t).toMatchObject({ id: 1, name: 'events', topicEpoch: 1 });
    expect(t.createdAt).toEqual(new Date(1706918400_000));
    expect((await client.listTopics()).map((x) => x.name)).toEqual(['events']);
    expect(await client.getClusterStatus()).toMatchObject({ mode: 'standalone', isLeader: true, nodeCount: 1 });
    await client.close();
  });

  it('validates names and retention before anything reaches the wire', async () => {
    const { client, server } = await connect();
    await expect(client.createTopic('bad_name')).rejects.toMatchObject({ code: 'INVALID_TOPIC_NAME' });
    await expect(client.createTopicWithRetention('ok', { maxBytes: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(client.setRetention(1, { maxAgeSecs: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(client.getTopic(-1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(server.received[0] ?? []).toHaveLength(0);
    await client.close();
  });

  it('sends omitted retention limits as "no limit", never 0', async () => {
    const sent: Frame[] = [];
    const server = fakeServer((f) => {
      sent.push(f);
      if (commandOf(f) === Command.CREATE_TOPIC_WITH_RETENTION)
        return jsonReply(
          Command.TOPIC_RESPONSE,
          '{"created_at":1,"id":4,"max_age_secs":86400,"max_bytes":18446744073709551615,"name":"r","topic_epoch":1}',
        );
      if (commandOf(f) === Command.SET_RETENTION)
        return jsonReply(Command.TOPIC_RESPONSE, '{"max_age_secs":10000000000,"max_bytes":1024,"topic_id":4}');
      return undefined;
    });
    const { client } = await connect(server);
    const t = await client.createTopicWithRetention('r', { maxAgeSecs: 86400 });
    expect(t.retention).toEqual({ maxAgeSecs: 86400n, maxBytes: U64_MAX });
    expect(decodeCreateTopicWithRetention(sent[0]!.payload)).toEqual({
      name: 'r',
      maxAgeSecs: 86400n,
      maxBytes: U64_MAX,
    });
    expect(await client.setRetention(4, { maxBytes: 1024 })).toEqual({
      topicId: 4,
      maxAgeSecs: 10_000_000_000n,
      maxBytes: 1024n,
    });
    expect(decodeSetRetention(sent[1]!.payload)).toEqual({ topicId: 4, maxAgeSecs: 10_000_000_000n, maxBytes: 1024n });
    await client.close();
  });

  it.each([
    ['Topic not found', 'TOPIC_NOT_FOUND'],
    ['Configuration error: Topic 9 not found', 'TOPIC_NOT_FOUND'],
    ["Topic 'x' already exists", 'TOPIC_ALREADY_EXISTS'],
    [
      "Invalid data: Topic name 'a_b' contains invalid characters. Only alphanumeric characters (a-z, A-Z, 0-9) and dashes (-) are allowed",
      'INVALID_TOPIC_NAME',
    ],
    ['Rate limit exceeded', 'RATE_LIMITED'],
    ['Authentication required', 'AUTHENTICATION'],
    ['Invalid client command', 'SERVER_ERROR'],
  ])('maps the server text %j to %s', async (message, code) => {
    const { client } = await connect(
      fakeServer((f) => (commandOf(f) === Command.GET_TOPIC ? errorReply(message) : undefined)),
    );
    await expect(client.getTopic(9)).rejects.toMatchObject({ code, serverMessage: message });
    expect((await client.listTopics()).length).toBe(0); // the socket is still fine
    await client.close();
  });

  it('fetch: data, and CatchingUp as ServerCatchingUpError', async () => {
    const server = fakeServer((f) => {
      if (commandOf(f) !== Command.FETCH) return undefined;
      const offset = f.payload[4];
      return offset === 0
        ? encodeControl(Command.FETCH_RESPONSE, encodeFetchResponse(3n, Uint8Array.of(1, 2, 3)))
        : encodeControl(Command.CATCHING_UP, encodeCatchingUp(3n));
    });
    const { client } = await connect(server);
    const r = await client.fetch(1, 0n, 1024);
    expect(r.nextOffset).toBe(3n);
    expect([...r.data]).toEqual([1, 2, 3]);
    await expect(client.fetch(1, 100n, 1024)).rejects.toMatchObject({ code: 'SERVER_CATCHING_UP', serverOffset: 3n });
    await client.close();
  });

  it('unsubscribe takes the Ack whose batch id is the consumer id', async () => {
    const server = fakeServer((f) =>
      commandOf(f) === Command.UNSUBSCRIBE ? encodeAck(decodeUnsubscribe(f.payload).consumerId) : undefined,
    );
    const { client } = await connect(server);
    await expect(client.unsubscribe(1, 42n)).resolves.toBeUndefined();
    await client.close();
  });

  it('ensureTopic finds an existing topic after "already exists"', async () => {
    const { client } = await connect();
    const a = await client.createTopic('orders');
    expect(await client.ensureTopic('orders')).toMatchObject({ id: a.id, name: 'orders' });
    expect(await client.ensureTopic('fresh')).toMatchObject({ name: 'fresh' });
    await client.close();
  });

  it('authenticates first on every socket; a refusal is fatal and never shows the token', async () => {
    const server = fakeServer((f) =>
      commandOf(f) === Command.AUTHENTICATE
        ? encodeControl(
            Command.AUTHENTICATE_RESPONSE,
            encodeAuthenticateResponse(
              text(f.payload) === 'good'
                ? { success: true, message: 'Authenticated' }
                : { success: false, message: 'Invalid token' },
            ),
          )
        : undefined,
    );
    const { client } = await connect(server, new ClientConfig().withAuthToken('good'));
    expect(commandOf(server.received[0]![0]!)).toBe(Command.AUTHENTICATE);
    await client.close();

    const err = await LanceClient.connect(new ClientConfig().withAuthToken('s3cret-token'), {
      lanceOptions: {
        connector: fakeServer((f) =>
          commandOf(f) === Command.AUTHENTICATE
            ? encodeControl(
                Command.AUTHENTICATE_RESPONSE,
                encodeAuthenticateResponse({ success: false, message: 'Invalid token' }),
              )
            : undefined,
        ).network.connector,
      },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AUTHENTICATION' });
    expect(String((err as Error).message) + inspect(err)).not.toContain('s3cret-token');
  });

  it('connect fails over to the next seed, and rejects when every seed refuses', async () => {
    const server = scriptedNetwork({ accept: (t) => (t.host === 'good' ? 'open' : 'refuse') });
    const client = await LanceClient.connect(new ClientConfig().withServers(['bad:1', 'good:2']), {
      lanceOptions: { connector: server.network.connector },
    });
    expect(server.network.sockets.map((s) => s.address)).toEqual(['bad:1', 'good:2']);
    await client.close();
    await expect(
      LanceClient.connect('bad:1', { lanceOptions: { connector: server.network.connector } }),
    ).rejects.toMatchObject({ code: 'CONNECTION' });
  });

  it('abort signals reject with AbortedError; close() rejects pending calls with ClosedError and is idempotent', async () => {
    const { client } = await connect(fakeServer((f) => (commandOf(f) === Command.GET_TOPIC ? [] : undefined)));
    const ac = new AbortController();
    const aborted = client.getTopic(1, { signal: ac.signal });
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
    const pending = expect(client.getTopic(2)).rejects.toMatchObject({ code: 'CLOSED' });
    await client.close();
    await client.close();
    await pending;
    await expect(client.listTopics()).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

describe('ClientConfig', () => {
  it('has the seed defaults and immutable builders', () => {
    const c = new ClientConfig();
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 1992,
      connectTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepaliveIntervalMs: 10_000,
    });
    const d = c.withHost('h').withPort(7).withRequestTimeout(5).withConnectTimeout(6).withKeepaliveInterval(0);
    expect(c.host).toBe('127.0.0.1');
    expect(d.toLanceOptions()).toEqual({ servers: ['h:7'], connectTimeoutMs: 6, requestTimeoutMs: 5, keepaliveMs: 0 });
    expect(ClientConfig.fromAddress('[::1]:1992').address).toBe('[::1]:1992');
    expect(() => ClientConfig.fromAddress('nope')).toThrow(/host:port/);
    expect(new ClientConfig().withServers(['a:1', 'b:2']).toLanceOptions().servers).toEqual(['a:1', 'b:2']);
  });

  it('never prints the token', () => {
    const c = new ClientConfig().withAuthToken('hunter2').withTls({ rejectUnauthorized: false });
    expect(c.toLanceOptions()).toMatchObject({ token: 'hunter2', tls: { rejectUnauthorized: false } });
    expect(inspect(c) + JSON.stringify(c) + String(Object.keys(c))).not.toContain('hunter2');
    expect(c.hasAuthToken).toBe(true);
  });
});
