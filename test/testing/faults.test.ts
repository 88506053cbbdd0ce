/** Fault injection (`server.faults`), each fault checked on raw sockets against the PROTOCOL.md behaviour it mimics. */
import * as net from 'node:net';
import { Command, decodeCatchingUp, decodeFetchResponse, Flags, FrameDecoder } from '../../src/wire';
import { commandOfFrame, errorText, fetch, getTopic, ingest, isAck, keepalive, tlv } from './helpers/frames';
import { Harness } from './helpers/harness';
import { RawClient } from './helpers/raw-client';

const h = new Harness();
afterEach(() => h.cleanup());

const setup = (options: Parameters<Harness['start']>[0] = {}) => h.startWithTopic(options);

describe('dropAfterFrames (§3.3)', () => {
  it('graceful: FIN after the n-th frame; its ingest is stored but not acked; the counter is one-shot', async () => {
    const { server, c } = await setup();
    server.faults.dropAfterFrames(2);
    c.send(keepalive(), ingest(1, 1, tlv('kept')), keepalive());
    const closed = await c.waitClosed();
    expect(closed.reset).toBe(false);
    expect(c.frames.slice(1).map((f) => f.flags)).toEqual([Flags.KEEPALIVE]);
    expect(Buffer.from(server.topicBytes(1))).toEqual(Buffer.from(tlv('kept')));
    const d = await h.connect(server);
    d.send(ingest(2, 1, tlv('y')), keepalive(), keepalive());
    expect((await d.next(3)).length).toBe(3);
  });

  it('abrupt: RST', async () => {
    const { server, c } = await setup();
    server.faults.dropAfterFrames(1, { abrupt: true });
    c.send(ingest(1, 1, tlv('x')));
    expect((await c.waitClosed()).reset).toBe(true);
  });
});

describe('cluster-style errors (§3.2, §3.4)', () => {
  it('forwardFailed: the next n writes / fetches / admin commands; failed ingests are not stored', async () => {
    const { server, c } = await setup();
    server.faults.forwardFailed({ writes: 1, fetches: 1, admin: 1 });
    c.send(
      ingest(1, 1, tlv('a')),
      ingest(2, 1, tlv('b')),
      fetch(1, 0, 10),
      fetch(1, 0, 10),
      getTopic(1),
      getTopic(1),
      keepalive(),
    );
    const f = await c.next(7);
    expect(errorText(f[0]!)).toBe('FORWARD_FAILED: Forward operation timed out');
    expect(errorText(f[1]!)).toBe('FORWARD_FAILED: Forward operation timed out');
    expect(commandOfFrame(f[2]!)).toBe(Command.FETCH_RESPONSE);
    expect(errorText(f[3]!)).toBe('FORWARD_FAILED: Forward operation timed out');
    expect(commandOfFrame(f[4]!)).toBe(Command.TOPIC_RESPONSE);
    expect(f[5]!.flags).toBe(Flags.KEEPALIVE);
    expect(isAck(f[6]!, 2)).toBe(true);
    expect(Buffer.from(server.topicBytes(1))).toEqual(Buffer.from(tlv('b')));
  });

  it('forwardFailed with a message; notLeader with an address or unknown, counting any kind', async () => {
    const { server, c } = await setup();
    server.faults.forwardFailed({ fetches: 1 }, { message: 'Leader not ready (apply/metadata catch-up)' });
    c.send(fetch(1, 0, 1));
    expect(errorText(await c.nextOne())).toBe('FORWARD_FAILED: Leader not ready (apply/metadata catch-up)');
    server.faults.notLeader('10.0.0.5:1992', { count: 2 });
    c.send(getTopic(1), ingest(1, 1, tlv('x')), ingest(2, 1, tlv('x')));
    const [a, b, ack] = await c.next(3);
    expect(errorText(a!)).toBe('NOT_LEADER: redirect to 10.0.0.5:1992');
    expect(errorText(b!)).toBe('NOT_LEADER: redirect to 10.0.0.5:1992');
    expect(isAck(ack!, 2)).toBe(true);
    server.faults.notLeader(null);
    c.send(fetch(1, 0, 1));
    expect(errorText(await c.nextOne())).toBe('NOT_LEADER: leader unknown');
  });

  it('catchingUp(n): CatchingUp with the topic size, or a given offset', async () => {
    const { server, c } = await setup();
    c.send(ingest(1, 1, tlv('hello')));
    await c.nextOne();
    server.faults.catchingUp(1);
    c.send(fetch(1, 0, 100), fetch(1, 0, 100));
    const [cu, ok] = await c.next(2);
    expect(commandOfFrame(cu!)).toBe(Command.CATCHING_UP);
    expect(decodeCatchingUp(cu!.payload)).toBe(10n);
    expect(decodeFetchResponse(ok!.payload).nextOffset).toBe(10n);
    server.faults.catchingUp(1, { serverOffset: 3n });
    c.send(fetch(7, 0, 1));
    expect(decodeCatchingUp((await c.nextOne()).payload)).toBe(3n);
  });

  it('rateLimitFetches(n): "Rate limit exceeded"', async () => {
    const { server, c } = await setup();
    server.faults.rateLimitFetches(2);
    c.send(fetch(1, 0, 1), fetch(1, 0, 1), fetch(1, 0, 1));
    const f = await c.next(3);
    expect(f.slice(0, 2).map(errorText)).toEqual(['Rate limit exceeded', 'Rate limit exceeded']);
    expect(commandOfFrame(f[2]!)).toBe(Command.FETCH_RESPONSE);
  });
});

describe('acks', () => {
  it('withholdAcks: acks are held while everything else is answered; releaseAcks sends them in order', async () => {
    const { server, c } = await setup();
    server.faults.withholdAcks();
    c.send(ingest(1, 1, tlv('a')));
    await new Promise((r) => setTimeout(r, 30));
    c.send(ingest(2, 1, tlv('b')), keepalive());
    expect((await c.nextOne()).flags).toBe(Flags.KEEPALIVE);
    await c.expectSilence(50);
    server.faults.releaseAcks();
    expect((await c.next(2)).map((f) => f.batchId)).toEqual([1n, 2n]);
    c.send(ingest(3, 1, tlv('c')));
    expect(isAck(await c.nextOne(), 3)).toBe(true);
  });

  it('stallAcks: the connection stops reading until release; discardAcks forgets them', async () => {
    const { server, c } = await setup();
    server.faults.stallAcks();
    c.send(ingest(1, 1, tlv('a')));
    await new Promise((r) => setTimeout(r, 30));
    c.send(keepalive());
    await c.expectSilence(80);
    server.faults.releaseAcks();
    expect((await c.next(2)).map((f) => f.flags)).toEqual([Flags.ACK, Flags.KEEPALIVE]);
    server.faults.stallAcks();
    c.send(ingest(2, 1, tlv('b')));
    await new Promise((r) => setTimeout(r, 30));
    c.send(keepalive());
    await c.expectSilence(50);
    server.faults.discardAcks();
    expect((await c.nextOne()).flags).toBe(Flags.KEEPALIVE);
  });
});

describe('frames the real server never sends', () => {
  it('sendBackpressure writes a Backpressure frame on every connection', async () => {
    const { server, c } = await setup();
    const d = await h.connect(server);
    await new Promise((r) => setTimeout(r, 20));
    expect(server.faults.sendBackpressure()).toBe(2);
    expect((await c.nextOne()).flags).toBe(Flags.BACKPRESSURE);
    expect((await d.nextOne()).flags).toBe(Flags.BACKPRESSURE);
  });

  it('corruptNextFrame: header CRC of the next frame, or payload CRC of the next frame with a payload', async () => {
    const { server, c } = await setup();
    server.faults.corruptNextFrame();
    c.send(keepalive());
    await new Promise((r) => setTimeout(r, 50));
    expect(c.decodeError?.message).toMatch(/header CRC/);
    const d = await h.connect(server);
    server.faults.corruptNextFrame({ part: 'payload' });
    d.send(keepalive());
    expect((await d.nextOne()).flags).toBe(Flags.KEEPALIVE); // no payload: not the target
    d.send(fetch(1, 0, 10));
    await new Promise((r) => setTimeout(r, 50));
    expect(d.decodeError?.message).toMatch(/payload CRC/);
    expect(() => new FrameDecoder().push(c.received)).toThrow();
  });
});

describe('connections', () => {
  it('refuseConnections: new connections are reset (or closed) at once; existing ones keep working', async () => {
    const { server, c } = await setup();
    server.faults.refuseConnections(true);
    const refused = await h.connect(server).catch((e: Error) => e);
    if (refused instanceof RawClient) expect((await refused.waitClosed()).reset).toBe(true);
    else expect((refused as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    server.faults.refuseConnections(true, { mode: 'close' });
    const closed = await h.connect(server).catch(() => undefined);
    if (closed) await closed.waitClosed();
    c.send(keepalive());
    expect((await c.nextOne()).flags).toBe(Flags.KEEPALIVE);
    server.faults.refuseConnections(false);
    const ok = await h.connect(server);
    ok.send(keepalive());
    expect((await ok.nextOne()).flags).toBe(Flags.KEEPALIVE);
  });

  it('restart({ downMs }) keeps the port closed (ECONNREFUSED), then serves again on the same port', async () => {
    const { server, c } = await setup();
    const port = server.port;
    const restarting = server.restart({ downMs: 200 });
    await c.waitClosed();
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', resolve);
      s.on('connect', () => s.destroy());
    });
    expect(err.code).toBe('ECONNREFUSED');
    await restarting;
    expect(server.port).toBe(port);
    const d = await h.connect(server);
    d.send(getTopic(1));
    expect(commandOfFrame(await d.nextOne())).toBe(Command.TOPIC_RESPONSE); // memory topics survive a restart
  });

  it('clear() disarms everything and releases held acks', async () => {
    const { server, c } = await setup();
    server.faults.withholdAcks();
    server.faults.rateLimitFetches(5);
    server.faults.dropAfterFrames(10);
    c.send(ingest(1, 1, tlv('a')));
    await new Promise((r) => setTimeout(r, 30));
    server.faults.clear();
    expect(isAck(await c.nextOne(), 1)).toBe(true);
    c.send(fetch(1, 0, 1), ...Array.from({ length: 10 }, () => keepalive()));
    expect(commandOfFrame(await c.nextOne())).toBe(Command.FETCH_RESPONSE);
    expect((await c.next(10)).length).toBe(10);
  });
});
