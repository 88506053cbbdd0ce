/** Reconnects, redirects, failover, auth, TLS and poisoned sockets against the embedded LanceServer. */
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { ClientConfig } from '../../src/client/config';
import { LanceClient } from '../../src/client/lance-client';
import { Lance } from '../../src/rx/lance';
import { listTopics$ } from '../../src/rx/admin';
import { ConnectionError } from '../../src/wire/errors';
import { LanceServer } from '../../src/testing';
import { FaultProxy } from '../../src/testing/fault-proxy';
import { TlsVerificationError } from '../../src/transport/errors';
import { selfSignedCert } from '../rx/certs';
import { closedPort } from '../rx/raw-server';
import { ingest, uniqueName, waitState } from './helpers';

const fast = { baseMs: 10, maxMs: 50 };
const cleanup: (() => Promise<unknown>)[] = [];
const server = async (o: Parameters<typeof LanceServer.start>[0] = {}) => {
  const s = await LanceServer.start({ host: '127.0.0.1', port: 0, groupCommitMs: 0, ...o });
  cleanup.push(() => s.stop());
  return s;
};
const connect = async (config: ClientConfig) => {
  const c = await LanceClient.connect(config.withReconnect(fast));
  cleanup.push(() => c.close());
  return c;
};
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('reconnect', () => {
  it('after the server drops the connection: new session (epoch + 1), requests work again', async () => {
    const s = await server();
    const client = await connect(ClientConfig.fromAddress(s.address));
    const epochs = firstValueFrom(client.lance.session$().pipe(take(2), toArray()));
    s.faults.dropAfterFrames(1);
    await client.listTopics(); // answered, then the socket is closed
    expect((await epochs).map((x) => x.epoch)).toEqual([1, 2]);
    expect(await client.createTopic(uniqueName('after-drop'))).toMatchObject({ topicEpoch: 1 });
  });

  it('after a server restart (port down for a while)', async () => {
    const s = await server();
    const client = await connect(ClientConfig.fromAddress(s.address));
    const t = await client.createTopic(uniqueName('survivor'));
    const states: string[] = [];
    client.lance.state$().subscribe((x) => states.push(x.type));
    await s.restart({ downMs: 150 });
    await waitState(client.lance, (x) => x.type === 'connected');
    expect(await client.getTopic(t.id)).toMatchObject({ id: t.id });
    expect(states).toContain('reconnecting');
  });
});

describe('fail fast, one deadline', () => {
  it('Rx admin calls against a closed port fail at once with the refusal as cause, not after 30 s', async () => {
    const lance = new Lance({ servers: [`127.0.0.1:${await closedPort()}`], reconnect: fast });
    cleanup.push(() => lance.close());
    const t0 = Date.now();
    const err = await firstValueFrom(listTopics$(lance)).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(((err as Error).cause as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    expect(await lance.ping().catch((e: unknown) => e)).toBeInstanceOf(ConnectionError);
  });

  it('a call with timeoutMs 2000 against a leaderless node settles within 3 s, NOT_LEADER as its cause', async () => {
    const s = await server();
    // Retries that never run out: only the deadline can end this call.
    const client = await LanceClient.connect(ClientConfig.fromAddress(s.address).withReconnect(fast), {
      lanceOptions: { requestRetries: 1e6 },
    });
    cleanup.push(() => client.close());
    s.faults.notLeader(null, { admin: 1e6 });
    const t0 = Date.now();
    const err = await client.createTopic(uniqueName('leaderless'), { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err).toMatchObject({ code: 'TIMEOUT', cause: { code: 'NOT_LEADER' } });
  });
});

describe('cluster errors', () => {
  it('NOT_LEADER: redirect → reconnects to the leader and retries there', async () => {
    const follower = await server();
    const leader = await server();
    const client = await connect(ClientConfig.fromAddress(follower.address));
    follower.faults.notLeader(leader.address, { admin: 1 });
    const name = uniqueName('led');
    const t = await client.createTopic(name);
    expect(
      (
        await (async () => {
          const c = await connect(ClientConfig.fromAddress(leader.address));
          return c.getTopic(t.id);
        })()
      ).name,
    ).toBe(name);
    expect(await firstValueFrom(client.lance.session$())).toMatchObject({ address: leader.address });
  });

  it('failover: the first seed refuses connections, the second serves', async () => {
    const s = await server();
    const client = await connect(new ClientConfig().withServers([`127.0.0.1:${await closedPort()}`, s.address]));
    expect(await firstValueFrom(client.lance.session$())).toMatchObject({ address: s.address });
    expect(await client.ping()).toBeGreaterThan(0);
  });

  it('failover: a seed that accepts then resets sends the client to the next one', async () => {
    const bad = await server();
    const good = await server();
    bad.faults.refuseConnections(true);
    const lance = new Lance({ servers: [bad.address, good.address], reconnect: fast });
    cleanup.push(() => lance.close());
    const s = await firstValueFrom(lance.session$().pipe(filter((x) => x.address === good.address)));
    expect(s.address).toBe(good.address);
    expect(await lance.ping()).toBeGreaterThan(0);
  });
});

describe('authentication', () => {
  it('accepted: the token goes first on every socket, so ingests are allowed after reconnects too', async () => {
    const s = await server({ authTokens: ['tok-1'] });
    const client = await connect(ClientConfig.fromAddress(s.address).withAuthToken('tok-1'));
    const t = await client.createTopic(uniqueName('auth'));
    const producer = await firstValueFrom(client.lance.session$('producer:auth'));
    expect(await ingest(producer, t.id, ['a'])).toBeGreaterThan(0n);
    await s.restart(); // every socket drops; each role reconnects and authenticates again
    const again = await firstValueFrom(
      client.lance.session$('producer:auth').pipe(filter((x) => x.epoch > producer.epoch)),
    );
    expect(await ingest(again, t.id, ['b'])).toBeGreaterThan(0n);
  });

  it('refused: connect rejects with AuthenticationError that does not contain the token', async () => {
    const s = await server({ authTokens: ['tok-1'] });
    const err = await LanceClient.connect(ClientConfig.fromAddress(s.address).withAuthToken('wrong-secret')).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'AUTHENTICATION' });
    expect(String(err) + JSON.stringify(err)).not.toContain('wrong-secret');
  });

  it('without a token ingests are refused; authenticate() fixes it', async () => {
    const s = await server({ authTokens: ['tok-1'] });
    const client = await connect(ClientConfig.fromAddress(s.address));
    const t = await client.createTopic(uniqueName('noauth'));
    const producer = await firstValueFrom(client.lance.session$('producer:na'));
    await expect(ingest(producer, t.id, ['x'])).rejects.toThrow('Authentication required');
    await expect(client.authenticate('nope')).rejects.toMatchObject({ code: 'AUTHENTICATION' });
    await client.authenticate('tok-1');
    // the producer socket authenticates on its next (re)connect
    producer.kill();
    const next = await firstValueFrom(
      client.lance.session$('producer:na').pipe(filter((x) => x.epoch > producer.epoch)),
    );
    expect(await ingest(next, t.id, ['y'])).toBeGreaterThan(0n);
  });
});

describe('TLS', () => {
  const cert = selfSignedCert();
  it('accepted with the right CA', async () => {
    const s = await server({ tls: { cert: cert.cert, key: cert.key } });
    const client = await connect(ClientConfig.fromAddress(s.address).withTls({ ca: cert.cert }));
    expect((await client.createTopic(uniqueName('tls'))).id).toBeGreaterThan(0);
  });
  it('an untrusted certificate is refused (fatal, no retry loop)', async () => {
    const s = await server({ tls: { cert: cert.cert, key: cert.key } });
    await expect(LanceClient.connect(ClientConfig.fromAddress(s.address).withTls())).rejects.toBeInstanceOf(
      TlsVerificationError,
    );
  });
});

describe('poisoned socket', () => {
  it('a timed-out request fails with TimeoutError, the others on that socket with ConnectionError, then it reconnects', async () => {
    const s = await server();
    const proxy = await FaultProxy.start({ target: s.address });
    cleanup.push(() => proxy.stop());
    const client = await connect(ClientConfig.fromAddress(proxy.address));
    await client.listTopics();
    proxy.pause({ direction: 'downstream' });
    const first = client.listTopics({ timeoutMs: 200 }).catch((e: unknown) => e);
    const second = client.getClusterStatus().catch((e: unknown) => e);
    const third = client.ping().catch((e: unknown) => e);
    expect(await first).toMatchObject({ code: 'TIMEOUT' });
    expect(await second).toMatchObject({ code: 'CONNECTION' });
    expect(await third).toMatchObject({ code: 'CONNECTION' });
    proxy.resume({ direction: 'downstream' });
    await waitState(client.lance, (x) => x.type === 'connected');
    expect(await client.listTopics()).toBeInstanceOf(Array);
  });
});

describe('close()', () => {
  it('leaves no socket or timer behind', async () => {
    const s = await server();
    const settle = () => new Promise((r) => setImmediate(r));
    await settle();
    const before = process
      .getActiveResourcesInfo()
      .filter((r) => r !== 'TTYWrap')
      .sort();
    const client = await LanceClient.connect(ClientConfig.fromAddress(s.address).withKeepaliveInterval(50));
    await firstValueFrom(client.lance.session$('producer:x'));
    const pending = client.lance.request(0x03).catch((e: unknown) => e);
    await client.ping();
    await new Promise((r) => setTimeout(r, 120)); // let idle keepalives run
    expect(process.getActiveResourcesInfo().length).toBeGreaterThan(before.length);
    await client.close();
    await client.close();
    await pending;
    // Nothing of ours left: no more resources of any kind than before connecting. The in-process
    // server's side of the socket closes a moment later on a loaded machine, so allow it 2 s.
    const count = (xs: string[]) => xs.reduce<Record<string, number>>((m, r) => ((m[r] = (m[r] ?? 0) + 1), m), {});
    const leftovers = () =>
      Object.entries(count(process.getActiveResourcesInfo())).filter(([kind, n]) => n > (count(before)[kind] ?? 0));
    for (let i = 0; i < 200 && leftovers().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(leftovers()).toEqual([]);
  });
});
