/** The real socket transport (node:net / node:tls) under the core, against raw LWP peers. */
import { ClientConfig } from '../../src/client/config';
import { LanceClient } from '../../src/client/lance-client';
import { Lance } from '../../src/rx/lance';
import { connectNode } from '../../src/transport/node';
import { TlsVerificationError } from '../../src/transport/errors';
import { Command } from '../../src/wire/constants';
import { commandOf } from '../../src/wire/control';
import { jsonReply, topicJson } from './fake-server';
import { selfSignedCert } from './certs';
import { type RawServer, closedPort, startRawServer } from './raw-server';

const listReply = () => jsonReply(Command.TOPIC_RESPONSE, `{"topics":[${topicJson(1, 'a')}]}`);
const servers: RawServer[] = [];
const start = async (o: Parameters<typeof startRawServer>[0] = {}) => {
  const s = await startRawServer(o);
  servers.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('node transport', () => {
  it('speaks LWP over TCP: ping and a request', async () => {
    const srv = await start({ reply: (f) => (commandOf(f) === Command.LIST_TOPICS ? listReply() : undefined) });
    const client = await LanceClient.connect(srv.address);
    expect(await client.ping()).toBeGreaterThan(0);
    expect((await client.listTopics()).map((t) => t.name)).toEqual(['a']);
    await client.close();
    expect(srv.sockets.size).toBeLessThanOrEqual(1);
  });

  it('a refused connection is a retryable ConnectionError', async () => {
    const port = await closedPort();
    const err = await LanceClient.connect(`127.0.0.1:${port}`).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONNECTION' });
    expect((err as { isRetryable(): boolean }).isRetryable()).toBe(true);
  });

  it('gives up a connection that never opens after the connect timeout', async () => {
    const srv = await start({ silent: true });
    const err = await new Promise<Error | undefined>((resolve) => {
      connectNode(
        { host: '127.0.0.1', port: srv.port, connectTimeoutMs: 100, tls: { rejectUnauthorized: false } },
        {
          opened: () => resolve(undefined),
          data: () => undefined,
          drained: () => undefined,
          closed: (e) => resolve(e),
        },
      );
    });
    expect(err).toMatchObject({ code: 'TIMEOUT' });
  });

  describe('TLS', () => {
    const cert = selfSignedCert();

    it('connects with the server certificate as CA', async () => {
      const srv = await start({
        tls: { cert: cert.cert, key: cert.key },
        reply: (f) => (commandOf(f) === Command.LIST_TOPICS ? listReply() : undefined),
      });
      const client = await LanceClient.connect(ClientConfig.fromAddress(srv.address).withTls({ ca: cert.cert }));
      expect((await client.listTopics()).length).toBe(1);
      await client.close();
    });

    it('refuses an untrusted certificate, fatally (no reconnect loop)', async () => {
      const srv = await start({ tls: { cert: cert.cert, key: cert.key } });
      const err = await LanceClient.connect(ClientConfig.fromAddress(srv.address).withTls({})).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TlsVerificationError);
      expect((err as TlsVerificationError).isRetryable()).toBe(false);

      const lance = new Lance({ servers: [srv.address], tls: {} });
      const states: string[] = [];
      lance.state$().subscribe((s) => states.push(s.type));
      await expect(
        new Promise((res, rej) => lance.session$().subscribe({ next: res, error: rej })),
      ).rejects.toBeInstanceOf(TlsVerificationError);
      expect(states).toEqual(['closed', 'connecting', 'closed']);
      await lance.close();
    });

    it('verification can only be turned off explicitly', async () => {
      const srv = await start({ tls: { cert: cert.cert, key: cert.key }, reply: () => listReply() });
      const client = await LanceClient.connect(
        ClientConfig.fromAddress(srv.address).withTls({ rejectUnauthorized: false }),
      );
      expect((await client.listTopics()).length).toBe(1);
      await client.close();
    });
  });
});
