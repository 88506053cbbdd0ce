/**
 * TLS verification is on by default: a self-signed server certificate is refused with a
 * non-retryable typed error (TlsVerificationError, a ConnectionError) by every entry point, with no
 * reconnect loop, unless `rejectUnauthorized: false` is given explicitly (or the cert is trusted
 * through `ca`). A trusted certificate for another name is refused too.
 */
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { lastValueFrom } from 'rxjs';
import { ClientConfig } from '../../src/client/config';
import { LanceClient } from '../../src/client/lance-client';
import { Producer } from '../../src/client/producer';
import { ProducerConfig } from '../../src/client/producer-config';
import { StandaloneConfig } from '../../src/client/standalone-config';
import { StandaloneConsumer } from '../../src/client/standalone-consumer';
import { Lance } from '../../src/rx/lance';
import { TlsVerificationError, socketError } from '../../src/transport/errors';
import { Command } from '../../src/wire/constants';
import { commandOf, encodeControl, encodeKeepalive, frameKind } from '../../src/wire/control';
import { FrameDecoder } from '../../src/wire/decoder';
import { ConnectionError, TimeoutError, isLanceError } from '../../src/wire/errors';
import { rejectionWithin, sleep } from '../hostile/hostile-server';
import { type TestCert, chain, issue, rootCa, selfSigned } from './certs';
import { LanceServer } from '../../src/testing';

interface TlsLwpServer {
  readonly address: string;
  accepted: number;
  close(): Promise<void>;
}

/** A TLS LWP peer: echoes keepalives, answers ListTopics. Counts TCP connections (handshakes tried). */
async function startTlsServer(cert: TestCert): Promise<TlsLwpServer> {
  const sockets = new Set<tls.TLSSocket>();
  const state = { accepted: 0 };
  const server = tls.createServer({ cert: cert.cert, key: cert.key }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const d = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const f of d.push(chunk)) {
        if (frameKind(f) === 'keepalive') socket.write(encodeKeepalive());
        else if (commandOf(f) === Command.LIST_TOPICS)
          socket.write(encodeControl(Command.TOPIC_RESPONSE, new TextEncoder().encode('{"topics":[]}')));
      }
    });
  });
  server.on('connection', () => state.accepted++);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    get accepted() {
      return state.accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const selfSignedCert = selfSigned('localhost', 'IP:127.0.0.1,DNS:localhost');
const otherNameCert = selfSigned('elsewhere.example', 'DNS:elsewhere.example');
const FAST = { baseMs: 5, maxMs: 20 };

let srv: TlsLwpServer;
const cleanups: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  srv = await startTlsServer(selfSignedCert);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  await srv.close();
});

const expectRefused = (err: unknown): void => {
  expect(err).toBeInstanceOf(TlsVerificationError);
  expect(err).toBeInstanceOf(ConnectionError); // a LanceError subclass, typed
  expect(isLanceError(err)).toBe(true);
  expect((err as TlsVerificationError).isRetryable()).toBe(false);
};

describe('TLS verification is on by default', () => {
  it.each([
    ['withTls()', (c: ClientConfig) => c.withTls()],
    ['withTls({})', (c: ClientConfig) => c.withTls({})],
    [
      'rejectUnauthorized: undefined',
      (c: ClientConfig) => c.withTls({ rejectUnauthorized: undefined as unknown as boolean }),
    ],
    ['rejectUnauthorized: true', (c: ClientConfig) => c.withTls({ rejectUnauthorized: true })],
    ['an explicit servername', (c: ClientConfig) => c.withTls({ servername: 'localhost' })],
  ])('LanceClient with %s refuses a self-signed certificate, fatally, without a reconnect loop', async (_n, tlsOf) => {
    const err = await rejectionWithin(
      LanceClient.connect(tlsOf(ClientConfig.fromAddress(srv.address).withReconnect(FAST))),
      3_000,
      'connect',
    );
    expectRefused(err);
    await sleep(100);
    expect(srv.accepted).toBe(1);
  });

  it('Rx Lance: session$ errors with TlsVerificationError and the role stops', async () => {
    const lance = new Lance({ servers: [srv.address], tls: {}, reconnect: FAST });
    cleanups.push(() => lance.close());
    expectRefused(await rejectionWithin(lastValueFrom(lance.session$()), 3_000, 'session$'));
    await sleep(100);
    expect(srv.accepted).toBe(1);
  });

  it('Producer and StandaloneConsumer refuse it too', async () => {
    expectRefused(
      await rejectionWithin(Producer.connect(srv.address, new ProducerConfig().withTls({})), 3_000, 'producer'),
    );
    expectRefused(
      await rejectionWithin(
        StandaloneConsumer.connect(srv.address, new StandaloneConfig('sec', 1).withTls({})),
        3_000,
        'consumer',
      ),
    );
  });

  it('a certificate trusted through `ca` but issued for another name is refused', async () => {
    await srv.close();
    srv = await startTlsServer(otherNameCert);
    const err = await rejectionWithin(
      LanceClient.connect(ClientConfig.fromAddress(srv.address).withTls({ ca: otherNameCert.cert })),
      3_000,
      'connect',
    );
    expectRefused(err);
  });

  it('only an explicit rejectUnauthorized: false, or trusting the cert with `ca`, connects', async () => {
    const insecure = await LanceClient.connect(
      ClientConfig.fromAddress(srv.address).withTls({ rejectUnauthorized: false }),
    );
    cleanups.push(() => insecure.close());
    expect(await insecure.listTopics()).toEqual([]);
    const trusted = await LanceClient.connect(
      ClientConfig.fromAddress(srv.address).withTls({ ca: selfSignedCert.cert }),
    );
    cleanups.push(() => trusted.close());
    expect(await trusted.listTopics()).toEqual([]);
  });

  it('the configs say so: no rejectUnauthorized unless given', () => {
    expect(new ClientConfig().withTls().tls).toEqual({});
    expect(new ProducerConfig().withTls().tls).toEqual({});
    expect(new StandaloneConfig('x', 1).withTls().tls).toEqual({});
  });
});

/**
 * Fatal means fatal (issue 13, bullet 6): every way a server certificate can fail verification ends
 * the call with a non-retryable TlsVerificationError naming the reason (Node's / OpenSSL's code), after
 * exactly one connection attempt per server. Certificates are made here, by openssl, from one root CA.
 */
describe('every TLS verification failure is fatal, named, and tried once per server (LanceServer)', () => {
  const SAN = 'IP:127.0.0.1,DNS:localhost';
  const ca = rootCa();
  const goodLeaf = issue(ca, { cn: 'localhost', san: SAN, eku: 'serverAuth' });
  const goodIntermediate = issue(ca, { cn: 'lnc test intermediate', ca: true });
  const notACa = issue(ca, { cn: 'lnc test not-a-CA', ca: false, keyUsage: 'digitalSignature,keyCertSign' });

  const bad: [string, TestCert, string | undefined, readonly string[]][] = [
    [
      'a server certificate with only the clientAuth EKU',
      issue(ca, { cn: 'localhost', san: SAN, eku: 'clientAuth' }),
      ca.cert,
      ['INVALID_PURPOSE'],
    ],
    // OpenSSL 3.0 reports a CA:FALSE issuer as unsuitable for the purpose; older ones as INVALID_CA.
    [
      'a leaf signed by a non-CA intermediate',
      chain(issue(notACa, { cn: 'localhost', san: SAN }), notACa),
      ca.cert,
      ['INVALID_CA', 'INVALID_PURPOSE'],
    ],
    [
      'a certificate for another name',
      issue(ca, { cn: 'elsewhere.example', san: 'DNS:elsewhere.example' }),
      ca.cert,
      ['ERR_TLS_CERT_ALTNAME_INVALID'],
    ],
    [
      'an expired certificate',
      issue(ca, { cn: 'localhost', san: SAN, startDate: '20200101000000Z', endDate: '20200102000000Z' }),
      ca.cert,
      ['CERT_HAS_EXPIRED'],
    ],
    [
      'a self-signed certificate without its CA',
      selfSigned('localhost', SAN),
      undefined,
      ['DEPTH_ZERO_SELF_SIGNED_CERT'],
    ],
    [
      'a leaf of a good intermediate the server does not send, without it',
      issue(goodIntermediate, { cn: 'localhost', san: SAN }),
      ca.cert,
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
    ],
  ];

  const servers: LanceServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });
  const serve = async (cert: TestCert): Promise<LanceServer> => {
    const s = await LanceServer.start({ host: '127.0.0.1', port: 0, groupCommitMs: 0, tls: cert });
    servers.push(s);
    return s;
  };

  const expectNamed = (err: unknown, codes: readonly string[]): void => {
    expectRefused(err);
    const reason = (err as TlsVerificationError).reason;
    expect(codes).toContain(reason);
    expect((err as Error).message).toContain(reason);
  };

  it.each(bad)(
    '%s: LanceClient.connect rejects with TlsVerificationError after one attempt',
    async (_n, cert, trust, codes) => {
      const server = await serve(cert);
      const config = ClientConfig.fromAddress(server.address)
        .withTls(trust === undefined ? {} : { ca: trust })
        .withReconnect(FAST);
      expectNamed(await rejectionWithin(LanceClient.connect(config), 3_000, 'connect'), codes);
      await sleep(100); // a reconnect would have happened by now (FAST backoff)
      expect(server.acceptedConnections).toBe(1);
    },
  );

  it.each(bad)('%s: Rx Lance request fails with it, session$ too, one attempt', async (_n, cert, trust, codes) => {
    const server = await serve(cert);
    const lance = new Lance({
      servers: [server.address],
      tls: trust === undefined ? {} : { ca: trust },
      reconnect: FAST,
      waitForConnection: true,
    });
    cleanups.push(() => lance.close());
    expectNamed(await rejectionWithin(lance.request(Command.LIST_TOPICS), 3_000, 'request'), codes);
    await sleep(100);
    expect(server.acceptedConnections).toBe(1);
  });

  it('StandaloneConsumer and Producer: fatal at once, one attempt each', async () => {
    const [, cert, trust, codes] = bad[0]!;
    const server = await serve(cert);
    expectNamed(
      await rejectionWithin(
        StandaloneConsumer.connect(server.address, new StandaloneConfig('tls', 1).withTls({ ca: trust! })),
        3_000,
        'consumer',
      ),
      codes,
    );
    expectNamed(
      await rejectionWithin(
        Producer.connect(server.address, new ProducerConfig().withTls({ ca: trust! })),
        3_000,
        'producer',
      ),
      codes,
    );
    await sleep(100);
    expect(server.acceptedConnections).toBe(2);
  });

  it('several servers, all refused: each is tried exactly once, then the call fails with the TLS error', async () => {
    const a = await serve(bad[0]![1]);
    const b = await serve(bad[2]![1]);
    const lance = new Lance({
      servers: [a.address, b.address],
      tls: { ca: ca.cert },
      reconnect: FAST,
      waitForConnection: true,
    });
    cleanups.push(() => lance.close());
    const err = await rejectionWithin(lance.request(Command.LIST_TOPICS), 3_000, 'request');
    expectRefused(err);
    await sleep(100);
    expect([a.acceptedConnections, b.acceptedConnections]).toEqual([1, 1]);
  });

  it('a refused server is not retried while another works: the call goes to the good one', async () => {
    const badServer = await serve(bad[0]![1]);
    const good = await serve(goodLeaf);
    const lance = new Lance({ servers: [badServer.address, good.address], tls: { ca: ca.cert }, reconnect: FAST });
    cleanups.push(() => lance.close());
    expect(commandOf(await lance.request(Command.LIST_TOPICS))).toBe(Command.TOPIC_RESPONSE);
    expect([badServer.acceptedConnections, good.acceptedConnections]).toEqual([1, 1]);
  });

  it('a refused server is not tried again while the others fail for retryable reasons', async () => {
    const badServer = await serve(bad[0]![1]);
    const lance = new Lance({
      servers: [badServer.address, '127.0.0.1:1'],
      tls: { ca: ca.cert },
      reconnect: FAST,
      waitForConnection: true,
    });
    cleanups.push(() => lance.close());
    const attempts: string[] = [];
    const sub = lance.state$('control').subscribe((s) => {
      if (s.type === 'connecting') attempts.push(s.address);
    });
    cleanups.push(async () => sub.unsubscribe());
    // Waiting for a server (waitForConnection) while one may still come up: the call's deadline ends it.
    const err = await rejectionWithin(
      lance.request(Command.LIST_TOPICS, undefined, { timeoutMs: 500 }),
      3_000,
      'request',
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(badServer.acceptedConnections).toBe(1);
    expect(attempts.filter((a) => a === badServer.address)).toHaveLength(1);
    expect(attempts.length).toBeGreaterThan(3); // the unreachable one was retried meanwhile
  });

  it.each([
    ['a leaf signed by the CA', goodLeaf],
    [
      'a leaf of an intermediate, chain sent by the server',
      chain(issue(goodIntermediate, { cn: 'localhost', san: SAN, eku: 'serverAuth' }), goodIntermediate),
    ],
  ])('a good chain with the CA connects: %s', async (_n, cert) => {
    const server = await serve(cert);
    const client = await LanceClient.connect(ClientConfig.fromAddress(server.address).withTls({ ca: ca.cert }));
    cleanups.push(() => client.close());
    const t = await client.createTopic('tls-ok');
    expect(t.name).toBe('tls-ok');
    expect(server.acceptedConnections).toBe(1);
  });
});

describe('TlsVerificationError classification', () => {
  it('socketError names the reason: the socket authorizationError first, else a known verification code', () => {
    const viaSocket = socketError(
      Object.assign(new Error('unsuitable certificate purpose'), { code: 'SOMETHING_NEW' }),
      'h:1',
      'SOMETHING_NEW',
    );
    expect(viaSocket).toBeInstanceOf(TlsVerificationError);
    expect((viaSocket as TlsVerificationError).reason).toBe('SOMETHING_NEW');
    expect(viaSocket.message).toBe('TLS certificate of h:1 refused (SOMETHING_NEW): unsuitable certificate purpose');
    for (const code of [
      'INVALID_PURPOSE',
      'INVALID_CA',
      'CERT_HAS_EXPIRED',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
    ]) {
      const e = socketError(Object.assign(new Error(code), { code }), 'h:1');
      expect({ code, tls: e instanceof TlsVerificationError, retryable: e.isRetryable() }).toEqual({
        code,
        tls: true,
        retryable: false,
      });
    }
    const refused = socketError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'h:1');
    expect(refused).toBeInstanceOf(ConnectionError);
    expect(refused.isRetryable()).toBe(true);
  });

  it('a plain ConnectionError is not a TlsVerificationError (they share the CONNECTION code)', () => {
    expect(new ConnectionError('x')).not.toBeInstanceOf(TlsVerificationError);
    expect(new TlsVerificationError('x', 'INVALID_CA')).toBeInstanceOf(ConnectionError);
    expect(new TlsVerificationError('x', 'INVALID_CA').code).toBe('CONNECTION');
  });
});
