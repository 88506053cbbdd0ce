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
import { TlsVerificationError } from '../../src/transport/errors';
import { Command } from '../../src/wire/constants';
import { commandOf, encodeControl, encodeKeepalive, frameKind } from '../../src/wire/control';
import { FrameDecoder } from '../../src/wire/decoder';
import { ConnectionError, isLanceError } from '../../src/wire/errors';
import { rejectionWithin, sleep } from '../hostile/hostile-server';
import { type TestCert, selfSigned } from './certs';

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
        else if (commandOf(f) === Command.LIST_TOPICS) socket.write(encodeControl(Command.TOPIC_RESPONSE, new TextEncoder().encode('{"topics":[]}')));
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
    ['rejectUnauthorized: undefined', (c: ClientConfig) => c.withTls({ rejectUnauthorized: undefined as unknown as boolean })],
    ['rejectUnauthorized: true', (c: ClientConfig) => c.withTls({ rejectUnauthorized: true })],
    ['an explicit servername', (c: ClientConfig) => c.withTls({ servername: 'localhost' })],
  ])('LanceClient with %s refuses a self-signed certificate, fatally, without a reconnect loop', async (_n, tlsOf) => {
    const err = await rejectionWithin(LanceClient.connect(tlsOf(ClientConfig.fromAddress(srv.address).withReconnect(FAST))), 3_000, 'connect');
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
    expectRefused(await rejectionWithin(Producer.connect(srv.address, new ProducerConfig().withTls({})), 3_000, 'producer'));
    expectRefused(await rejectionWithin(StandaloneConsumer.connect(srv.address, new StandaloneConfig('sec', 1).withTls({})), 3_000, 'consumer'));
  });

  it('a certificate trusted through `ca` but issued for another name is refused', async () => {
    await srv.close();
    srv = await startTlsServer(otherNameCert);
    const err = await rejectionWithin(LanceClient.connect(ClientConfig.fromAddress(srv.address).withTls({ ca: otherNameCert.cert })), 3_000, 'connect');
    expectRefused(err);
  });

  it('only an explicit rejectUnauthorized: false, or trusting the cert with `ca`, connects', async () => {
    const insecure = await LanceClient.connect(ClientConfig.fromAddress(srv.address).withTls({ rejectUnauthorized: false }));
    cleanups.push(() => insecure.close());
    expect(await insecure.listTopics()).toEqual([]);
    const trusted = await LanceClient.connect(ClientConfig.fromAddress(srv.address).withTls({ ca: selfSignedCert.cert }));
    cleanups.push(() => trusted.close());
    expect(await trusted.listTopics()).toEqual([]);
  });

  it('the configs say so: no rejectUnauthorized unless given', () => {
    expect(new ClientConfig().withTls().tls).toEqual({});
    expect(new ProducerConfig().withTls().tls).toEqual({});
    expect(new StandaloneConfig('x', 1).withTls().tls).toEqual({});
  });
});
