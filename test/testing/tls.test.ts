/**
 * TLS termination (PROTOCOL.md §6.6): the real server speaks plain TCP only, real deployments put a
 * TLS proxy in front; LanceServer can play that proxy (optionally requiring a client certificate).
 * Certificates are generated at test time with the openssl CLI; the suite is skipped without it.
 */
import { Flags } from '../../src/wire';
import { createTopic, ingest, isAck, keepalive, tlv } from './helpers/frames';
import { hasOpenssl, makeCerts, type TestCerts } from './helpers/certs';
import { Harness } from './helpers/harness';
import { RawClient } from './helpers/raw-client';

const h = new Harness();
afterEach(() => h.cleanup());
const certsDir = new Harness();
let certs: TestCerts;

const maybe = hasOpenssl() ? describe : describe.skip;

maybe('TLS termination (§6.6)', () => {
  beforeAll(() => {
    certs = makeCerts(certsDir.tempDir());
  });
  afterAll(() => certsDir.cleanup());

  it('serves LWP inside TLS exactly as over TCP', async () => {
    const server = await h.start({ tls: { cert: certs.serverCert, key: certs.serverKey } });
    const c = await h.connect(server, { tls: { ca: certs.ca, servername: 'localhost' } });
    c.send(createTopic('t'), ingest(1, 1, tlv('secure')), keepalive());
    const frames = await c.next(3);
    expect(frames.map((f) => f.flags)).toEqual([Flags.CONTROL, Flags.KEEPALIVE, Flags.ACK]);
    expect(isAck(frames[2]!, 1)).toBe(true);
    expect(Buffer.from(server.topicBytes(1))).toEqual(Buffer.from(tlv('secure')));
  });

  it('a plain LWP client on the TLS port gets no LWP frame and is disconnected', async () => {
    const server = await h.start({ tls: { cert: certs.serverCert, key: certs.serverKey } });
    const c = await h.connect(server);
    c.send(keepalive());
    await c.waitClosed();
    expect(c.frames).toHaveLength(0);
  });

  it('requireClientCert: a client without a certificate is refused; with one it is served', async () => {
    const server = await h.start({
      tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requireClientCert: true },
    });
    const anonymous = await RawClient.connect(server.port, { tls: { ca: certs.ca, servername: 'localhost' } }).catch(
      (e: Error) => e,
    );
    if (anonymous instanceof RawClient) {
      h.clients.push(anonymous);
      anonymous.send(keepalive()); // TLS 1.3: the server's rejection arrives after the client's handshake completes
      await anonymous.waitClosed();
      expect(anonymous.frames).toHaveLength(0);
    } else {
      expect(anonymous).toBeInstanceOf(Error);
    }
    const c = await h.connect(server, {
      tls: { ca: certs.ca, servername: 'localhost', cert: certs.clientCert, key: certs.clientKey },
    });
    c.send(keepalive());
    expect((await c.nextOne()).flags).toBe(Flags.KEEPALIVE);
  });
});
