/**
 * Hostile server, byte level: lying lengths, garbage, silence, a close in the middle of a frame.
 * Every case asserts a typed error (LanceError), the reconnect policy (fatal → stop, retryable →
 * reconnect), that every promise settles within a bound, and (for lengths) that memory stays small.
 */
import { filter, firstValueFrom } from 'rxjs';
import { ClientConfig } from '../../src/client/config';
import { LanceClient } from '../../src/client/lance-client';
import { Producer } from '../../src/client/producer';
import { ProducerConfig } from '../../src/client/producer-config';
import { Lance } from '../../src/rx/lance';
import type { ConnectionState } from '../../src/rx/state';
import type { Frame } from '../../src/wire/frame';
import { Command, Flags } from '../../src/wire/constants';
import { encodeAck } from '../../src/wire/control';
import {
  ClosedError,
  ConnectionError,
  InvalidFrameError,
  LanceError,
  TimeoutError,
  isLanceError,
} from '../../src/wire/errors';
import {
  type Conn,
  controlReply,
  isCommand,
  lyingHeader,
  rejectionWithin,
  settleWithin,
  sleep,
  startHostileServer,
  until,
  HostileHarness,
  FAST_RECONNECT,
  listReply,
} from './hostile-server';

const h = new HostileHarness();
const { serve, connect, track } = h;
afterEach(h.cleanup);

const lastState = (lance: Lance, pred: (s: ConnectionState) => boolean, role = 'control'): Promise<ConnectionState> =>
  firstValueFrom(lance.state$(role).pipe(filter(pred)));

describe('a header announcing a huge payload', () => {
  it('4 GiB: refused before any allocation, the request fails with InvalidFrameError, no reconnect', async () => {
    const srv = await serve(() => ({
      onFrame: (f, c) => {
        if (isCommand(f, Command.LIST_TOPICS)) c.write(lyingHeader(0xffff_ffff));
      },
    }));
    const client = await connect(srv.address);
    const states: ConnectionState[] = [];
    client.lance.state$().subscribe((s) => states.push(s));
    const before = process.memoryUsage();
    const err = await rejectionWithin(client.listTopics(), 2_000, 'listTopics');
    const after = process.memoryUsage();
    expect(err).toBeInstanceOf(InvalidFrameError);
    expect((err as LanceError).message).toMatch(/exceeds the limit/);
    expect((err as LanceError).isRetryable()).toBe(false);
    // Nothing near 4 GiB (nor 16 MiB) was allocated for the announced payload.
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(8 * 1024 * 1024);
    expect(after.rss - before.rss).toBeLessThan(64 * 1024 * 1024);
    // Fatal: the role stops with that error and does not reconnect by itself.
    await until(() => states.some((s) => s.type === 'closed' && s.error !== undefined), 1_000, 'closed state');
    expect(states.find((s) => s.type === 'closed' && s.error !== undefined)).toMatchObject({
      error: expect.any(InvalidFrameError),
    });
    await sleep(150);
    expect(srv.conns).toHaveLength(1);
  });

  it('16 MiB + 1 (one byte above the default limit) over the Rx API: InvalidFrameError', async () => {
    const srv = await serve(() => ({
      onFrame: (f, c) => {
        if (isCommand(f, Command.GET_CLUSTER_STATUS)) c.write(lyingHeader(16 * 1024 * 1024 + 1));
      },
    }));
    const lance = track(new Lance({ servers: [srv.address], reconnect: FAST_RECONNECT }));
    const err = await rejectionWithin(lance.request(Command.GET_CLUSTER_STATUS), 2_000, 'request');
    expect(err).toBeInstanceOf(InvalidFrameError);
    const closed = await settleWithin(
      lastState(lance, (s) => s.type === 'closed' && s.error !== undefined),
      1_000,
    );
    expect(closed.status).toBe('fulfilled');
  });

  it('a header announcing exactly the (small) limit, then silence: bounded buffer, TimeoutError, reconnect', async () => {
    const limit = 64 * 1024;
    const srv = await serve((i) => ({
      onFrame: (f, c) => {
        if (!isCommand(f, Command.LIST_TOPICS)) return;
        if (i === 0)
          c.write(lyingHeader(limit)); // accepted by the decoder, but never completed
        else c.write(listReply());
      },
    }));
    const lance = track(
      new Lance({ servers: [srv.address], maxPayloadLength: limit, requestTimeoutMs: 200, reconnect: FAST_RECONNECT }),
    );
    const err = await rejectionWithin(lance.request(Command.LIST_TOPICS), 2_000, 'request');
    expect(err).toBeInstanceOf(TimeoutError);
    // The poisoned socket is replaced (retryable), and the next request is answered.
    const reply = await settleWithin(lance.request(Command.LIST_TOPICS), 2_000, 'second request');
    expect(reply.status).toBe('fulfilled');
    expect(srv.conns.length).toBe(2);
  });
});

describe('garbage bytes', () => {
  const garbage: [string, Uint8Array][] = [
    ['an HTTP response', new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')],
    ['zeros', new Uint8Array(100)],
    ['magic then version 2', Uint8Array.of(0x4c, 0x41, 0x4e, 0x43, 2, 0x40, 0, 0)],
    [
      'a valid header with a wrong payload CRC',
      (() => {
        const f = controlReply(Command.TOPIC_RESPONSE, '{"topics":[]}');
        f[f.length - 1]! ^= 0xff;
        return f;
      })(),
    ],
    [
      'a header with a wrong header CRC',
      (() => {
        const h = lyingHeader(0);
        h[8]! ^= 1;
        return h;
      })(),
    ],
    ['random bytes', Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff)],
  ];

  it.each(garbage)('%s in reply to a request: InvalidFrameError, fatal, no reconnect loop', async (_name, bytes) => {
    const srv = await serve(() => ({
      onFrame: (f, c) => {
        if (isCommand(f, Command.LIST_TOPICS)) c.write(bytes);
      },
    }));
    const client = await connect(srv.address);
    const err = await rejectionWithin(client.listTopics(), 2_000, 'listTopics');
    expect(err).toBeInstanceOf(InvalidFrameError);
    await sleep(100);
    expect(srv.conns).toHaveLength(1);
  });

  it('garbage sent at once on accept fails the authenticating connect with InvalidFrameError', async () => {
    const srv = await serve(() => ({ onAccept: (c) => c.write(new TextEncoder().encode('SSH-2.0-OpenSSH_9.6\r\n')) }));
    const err = await rejectionWithin(
      LanceClient.connect(ClientConfig.fromAddress(srv.address).withAuthToken('tok').withReconnect(FAST_RECONNECT)),
      2_000,
      'connect',
    );
    expect(err).toBeInstanceOf(InvalidFrameError);
    await sleep(100);
    expect(srv.conns).toHaveLength(1);
  });

  it('garbage byte by byte fails on the first wrong byte, not after 44', async () => {
    const srv = await serve(() => ({
      onFrame: (f, c) => {
        if (!isCommand(f, Command.LIST_TOPICS)) return;
        c.write(Uint8Array.of(0x4c)); // 'L'
        setTimeout(() => c.write(Uint8Array.of(0x41)), 10); // 'A'
        setTimeout(() => c.write(Uint8Array.of(0x58)), 20); // 'X': not "LANC"
      },
    }));
    const client = await connect(srv.address);
    const err = await rejectionWithin(client.listTopics(), 1_000, 'listTopics');
    expect(err).toBeInstanceOf(InvalidFrameError);
    expect((err as Error).message).toMatch(/magic/);
  });

  it('garbage on a producer socket fails pending sends with a typed error', async () => {
    const srv = await serve(() => ({
      onFrame: (f, c) => {
        if (f.flags & Flags.BATCH_MODE) c.write(new Uint8Array(64).fill(0xee));
      },
    }));
    const producer = track(
      await Producer.connect(srv.address, new ProducerConfig().withLingerMs(0).withRequestTimeout(1_000)),
    );
    const err = await rejectionWithin(producer.send(1, 'x'), 2_000, 'send');
    expect(err).toBeInstanceOf(InvalidFrameError);
  });
});

describe('silence after accept', () => {
  const silent = (): Parameters<typeof startHostileServer>[0] => () => ({});

  it('Promise API: a request times out with TimeoutError, the socket is replaced', async () => {
    const srv = await serve(silent());
    const client = await connect(srv.address, (c) => c.withRequestTimeout(150).withKeepaliveInterval(0));
    const t0 = Date.now();
    const err = await rejectionWithin(client.listTopics(), 1_500, 'listTopics');
    expect(err).toBeInstanceOf(TimeoutError);
    expect(Date.now() - t0).toBeLessThan(1_000);
    await until(() => srv.conns.length >= 2, 1_000, 'reconnect');
    const ping = await rejectionWithin(client.ping({ timeoutMs: 100 }), 1_500, 'ping');
    expect(ping).toBeInstanceOf(TimeoutError);
  });

  it('Rx API: request$ with timeoutMs errors TimeoutError; state shows reconnecting with a typed error', async () => {
    const srv = await serve(silent());
    const lance = track(new Lance({ servers: [srv.address], keepaliveMs: 0, reconnect: FAST_RECONNECT }));
    const states: ConnectionState[] = [];
    lance.state$().subscribe((s) => states.push(s));
    const err = await rejectionWithin(
      lance.request(Command.LIST_TOPICS, undefined, { timeoutMs: 100 }),
      1_500,
      'request',
    );
    expect(err).toBeInstanceOf(TimeoutError);
    // request() alone does not hold the role open; session$ does.
    const sub = lance.session$().subscribe({ error: () => undefined });
    await until(() => states.some((s) => s.type === 'connected'), 1_000, 'connected');
    sub.unsubscribe();
    expect(states.every((s) => s.type !== 'reconnecting' || isLanceError(s.error))).toBe(true);
  });

  it('connect with a token is bounded by the request timeout (the auth reply never comes)', async () => {
    const srv = await serve(silent());
    const t0 = Date.now();
    const err = await rejectionWithin(
      LanceClient.connect(
        ClientConfig.fromAddress(srv.address)
          .withAuthToken('tok')
          .withRequestTimeout(150)
          .withReconnect(FAST_RECONNECT),
      ),
      2_000,
      'connect',
    );
    expect(isLanceError(err)).toBe(true);
    expect(err).toBeInstanceOf(TimeoutError); // no reply to Authenticate within the request timeout
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it('the idle keepalive detects the dead peer and reconnects', async () => {
    const srv = await serve(silent());
    const client = await connect(srv.address, (c) => c.withKeepaliveInterval(50).withRequestTimeout(100));
    const state = await settleWithin(
      lastState(client.lance, (s) => s.type === 'reconnecting'),
      1_500,
      'reconnecting state',
    );
    expect(state.status).toBe('fulfilled');
    expect((state as { value: ConnectionState }).value).toMatchObject({ error: expect.any(ConnectionError) });
    // Only keepalives were sent, at most one per keepalive interval before the peer was declared dead.
    for (const c of srv.conns) {
      expect(c.received.length).toBeLessThanOrEqual(3);
      expect(c.received.every((f) => f.flags === Flags.KEEPALIVE)).toBe(true);
    }
  });

  it('a producer without acks: send settles (TimeoutError/ConnectionError without auto-reconnect)', async () => {
    const srv = await serve(silent());
    const producer = track(
      await Producer.connect(
        srv.address,
        new ProducerConfig().withLingerMs(0).withRequestTimeout(150).withAutoReconnect(false),
      ),
    );
    const err = await rejectionWithin(producer.send(1, 'x'), 2_000, 'send');
    expect(isLanceError(err)).toBe(true);
  });

  it('a producer with auto-reconnect: close() bounds every pending send (ClosedError)', async () => {
    const srv = await serve(silent());
    const producer = await Producer.connect(
      srv.address,
      new ProducerConfig().withLingerMs(0).withRequestTimeout(100).withDeliveryTimeoutMs(10_000),
    );
    const sends = [producer.send(1, 'a'), producer.send(1, 'b')].map((p) => settleWithin(p, 2_000, 'send'));
    await sleep(250); // at least one ack timeout and a resend on a new socket
    await settleWithin(
      producer.close({ timeoutMs: 50 }).catch(() => undefined),
      2_000,
      'close',
    );
    for (const s of await Promise.all(sends)) {
      expect(s.status).toBe('rejected');
      expect((s as { reason: unknown }).reason).toBeInstanceOf(ClosedError);
    }
    expect(srv.conns.length).toBeGreaterThanOrEqual(2);
  });
});

describe('a close in the middle of a frame', () => {
  const cut = (mode: 'destroy' | 'end', keep: number) => (i: number) => ({
    onFrame: (f: Frame, c: Conn) => {
      if (!isCommand(f, Command.LIST_TOPICS)) return;
      if (i > 0) return c.write(listReply());
      const whole = listReply();
      c.socket.write(whole.subarray(0, keep), () => (mode === 'end' ? c.socket.end() : c.socket.destroy()));
    },
  });

  it.each([
    ['mid-header, RST', 'destroy' as const, 20],
    ['mid-payload, FIN', 'end' as const, 60],
  ])(
    '%s: ConnectionError (retryable), then the client reconnects and the next request works',
    async (_n, mode, keep) => {
      const srv = await serve(cut(mode, keep));
      const client = await connect(srv.address);
      const err = await rejectionWithin(client.listTopics(), 2_000, 'listTopics');
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as LanceError).isRetryable()).toBe(true);
      await until(() => srv.conns.length >= 2, 1_000, 'reconnect');
      const topics = await settleWithin(client.listTopics(), 2_000, 'second listTopics');
      expect(topics).toMatchObject({ status: 'fulfilled', value: [{ id: 1, name: 'a' }] });
    },
  );

  it('a producer resends the batch whose ack was cut off, on the next connection', async () => {
    const srv = await serve((i) => ({
      onFrame: (f, c) => {
        if (!(f.flags & Flags.BATCH_MODE)) return;
        const ack = encodeAck(f.batchId);
        if (i === 0) c.socket.write(ack.subarray(0, 30), () => c.socket.destroy());
        else c.write(ack);
      },
    }));
    const producer = track(await Producer.connect(srv.address, new ProducerConfig().withLingerMs(0)));
    const ack = await settleWithin(producer.send(1, 'x'), 3_000, 'send');
    expect(ack).toMatchObject({ status: 'fulfilled', value: { type: 'acked', attempts: 2 } });
  });
});
