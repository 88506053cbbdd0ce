/**
 * Hostile server, reply level: acks for batches never sent, unsolicited control frames, a keepalive
 * flood, FetchResponses that lie about their length, TopicResponses that are not JSON. Both the
 * Promise API (LanceClient, Producer, StandaloneConsumer) and the Rx API (Lance) are exercised.
 */
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { Producer } from '../../src/client/producer';
import { ProducerConfig } from '../../src/client/producer-config';
import { StandaloneConfig } from '../../src/client/standalone-config';
import { StandaloneConsumer } from '../../src/client/standalone-consumer';
import { Lance } from '../../src/rx/lance';
import { createTopic$, listTopics$ } from '../../src/rx/admin';
import type { ProduceOutcome } from '../../src/rx/producer/batch';
import { Command, Flags, U64_MAX } from '../../src/wire/constants';
import { encodeAck, encodeBackpressure, encodeKeepalive } from '../../src/wire/control';
import { writeU32, writeU64 } from '../../src/wire/bytes';
import { encodeFrame, type Frame } from '../../src/wire/frame';
import { decodeFetch, encodeCatchingUp, encodeFetchResponse } from '../../src/wire/payloads/fetch';
import { encodeCommitAck, encodeSubscribeAck } from '../../src/wire/payloads/subscription';
import { encodeAuthenticateResponse } from '../../src/wire/payloads/auth';
import { InvalidFrameError, InvalidRecordError, isLanceError } from '../../src/wire/errors';
import { TlvRecord, encodeRecords } from '../../src/wire/tlv';
import {
  type Conn,
  controlReply,
  isCommand,
  rejectionWithin,
  settleWithin,
  sleep,
  topicJson,
  until,
  HostileHarness,
  FAST_RECONNECT,
  listReply,
} from './hostile-server';

const h = new HostileHarness();
const { serve, connect, track } = h;
afterEach(h.cleanup);

const isIngest = (f: Frame): boolean => (f.flags & Flags.BATCH_MODE) !== 0;

describe('acks for batch ids never sent', () => {
  const BOGUS = [0n, 7n, 1000n, 0xffff_ffffn, 1n << 53n, U64_MAX];

  it('Promise producer: bogus acks ack nothing; only the real ack resolves the send', async () => {
    let ingest: { f: Frame; c: Conn } | undefined;
    const srv = await serve(() => ({
      // Acks before anything was sent at all.
      onAccept: (c) => c.write(BOGUS.map(encodeAck)),
      onFrame: (f, c) => {
        if (!isIngest(f)) return;
        ingest = { f, c };
        // Acks for ids around the real one, none of which was sent; the real ack is withheld.
        c.write([f.batchId + 1n, f.batchId + 1000n, ...BOGUS.filter((b) => b !== f.batchId)].map(encodeAck));
      },
    }));
    const producer = track(await Producer.connect(srv.address, new ProducerConfig().withLingerMs(0)));
    let settled = false;
    const send = producer.send(1, 'x');
    void send.then(
      () => (settled = true),
      () => (settled = true),
    );
    await until(() => ingest !== undefined, 1_000, 'ingest');
    await sleep(100);
    expect(settled).toBe(false);
    expect(producer.stats).toMatchObject({ records: 0, batches: 0, inFlight: 1, recordsFailed: 0 });

    ingest!.c.write(encodeAck(ingest!.f.batchId));
    const ack = await settleWithin(send, 1_000, 'send');
    expect(ack).toMatchObject({
      status: 'fulfilled',
      value: { type: 'acked', batchId: ingest!.f.batchId, attempts: 1 },
    });

    // More bogus acks afterwards change nothing and crash nothing.
    ingest!.c.write([...BOGUS, ingest!.f.batchId].map(encodeAck));
    await sleep(50);
    expect(producer.stats).toMatchObject({ records: 1, batches: 1, inFlight: 0, recordsFailed: 0 });
  });

  it('Rx producer: acks$ reports only the real ack', async () => {
    const srv = await serve(() => ({
      onAccept: (c) => c.write(BOGUS.map(encodeAck)),
      onFrame: (f, c) => {
        if (!isIngest(f)) return;
        c.write(BOGUS.filter((b) => b !== f.batchId).map(encodeAck));
        setTimeout(() => c.write(encodeAck(f.batchId)), 100);
      },
    }));
    const lance = track(new Lance({ servers: [srv.address], reconnect: FAST_RECONNECT }));
    const producer = lance.producer(1, { lingerMs: 0 });
    const outcomes: ProduceOutcome[] = [];
    producer.acks$.subscribe((o) => outcomes.push(o));
    producer.next('a');
    await sleep(60);
    expect(outcomes).toEqual([]);
    await until(() => outcomes.length === 1, 1_000, 'ack');
    expect(outcomes[0]).toMatchObject({ type: 'acked', firstSeq: 0, count: 1 });
    await settleWithin(producer.close({ timeoutMs: 100 }), 1_000, 'close');
    expect(outcomes).toHaveLength(1);
  });
});

describe('replies to requests never made', () => {
  const fetchResponse = encodeFetchResponse(20n, encodeRecords([TlvRecord.raw('hello'), TlvRecord.raw('world')]));
  const unsolicited = (): Uint8Array[] => [
    controlReply(Command.TOPIC_RESPONSE, `{"topics":[${topicJson(9, 'evil')}]}`),
    controlReply(Command.TOPIC_RESPONSE, 'not json'),
    controlReply(Command.ERROR_RESPONSE, 'Topic not found'),
    controlReply(Command.ERROR_RESPONSE, 'NOT_LEADER: leader unknown'),
    controlReply(Command.FETCH_RESPONSE, fetchResponse),
    controlReply(Command.CATCHING_UP, encodeCatchingUp(5n)),
    controlReply(Command.CLUSTER_STATUS_RESPONSE, '{"node_id":1}'),
    controlReply(Command.SUBSCRIBE_ACK, encodeSubscribeAck({ consumerId: 1n, startOffset: 0n })),
    controlReply(Command.COMMIT_ACK, encodeCommitAck({ consumerId: 1n, committedOffset: 0n })),
    controlReply(
      Command.AUTHENTICATE_RESPONSE,
      encodeAuthenticateResponse({ success: true, message: 'Authenticated' }),
    ),
    controlReply(0x77, 'unknown command'),
    encodeAck(42n),
    encodeBackpressure(),
    encodeFrame({ flags: Flags.BATCH_MODE, batchId: 3n, topicId: 1, payload: new Uint8Array([1, 2, 3]) }),
    encodeFrame({ flags: 0x80 }), // an unknown flag bit, empty
  ];

  it('Promise API: unsolicited frames before any request are dropped; the next request gets its own reply', async () => {
    const srv = await serve(() => ({
      echoKeepalives: true,
      onAccept: (c) => c.write(unsolicited()),
      onFrame: (f, c) => {
        if (isCommand(f, Command.LIST_TOPICS)) c.write(listReply());
      },
    }));
    const client = await connect(srv.address);
    // The keepalive echo comes after the unsolicited frames on the same stream, so they are all in.
    await settleWithin(client.ping(), 1_000, 'ping');
    const topics = await settleWithin(client.listTopics(), 1_000, 'listTopics');
    expect(topics).toMatchObject({ status: 'fulfilled', value: [{ id: 1, name: 'a' }] });
    expect(srv.conns).toHaveLength(1); // nothing killed the connection
  });

  it('Rx API: they show on frames$, never as a reply, and the connection survives', async () => {
    const srv = await serve(() => ({
      echoKeepalives: true,
      onAccept: (c) => c.write(unsolicited()),
      onFrame: (f, c) => {
        if (isCommand(f, Command.LIST_TOPICS)) c.write(listReply());
      },
    }));
    const lance = track(new Lance({ servers: [srv.address], reconnect: FAST_RECONNECT }));
    const seen = firstValueFrom(lance.frames$().pipe(take(unsolicited().length), toArray()));
    expect(await settleWithin(seen, 1_000, 'frames$')).toMatchObject({ status: 'fulfilled' });
    const topics = await settleWithin(firstValueFrom(listTopics$(lance)), 1_000, 'listTopics$');
    expect(topics).toMatchObject({ status: 'fulfilled', value: [{ id: 1, name: 'a' }] });
  });

  it('an extra reply of the wrong type while a request waits is a typed error, and the FIFO realigns', async () => {
    let first = true;
    const srv = await serve(() => ({
      onFrame: (f, c) => {
        if (!isCommand(f, Command.GET_CLUSTER_STATUS)) return;
        const status = controlReply(
          Command.CLUSTER_STATUS_RESPONSE,
          '{"current_term":1,"healthy_nodes":1,"is_leader":true,"leader_id":1,"mode":"standalone","node_count":1,"node_id":1,"peer_states":{},"quorum_available":true}',
        );
        if (first) c.write([controlReply(Command.TOPIC_RESPONSE, `{"topics":[]}`), status]);
        else c.write(status);
        first = false;
      },
    }));
    const client = await connect(srv.address);
    const err = await rejectionWithin(client.getClusterStatus(), 1_000, 'getClusterStatus');
    expect(err).toBeInstanceOf(InvalidFrameError);
    await sleep(30); // the late ClusterStatusResponse arrives with nothing pending and is dropped
    const ok = await settleWithin(client.getClusterStatus(), 1_000, 'second getClusterStatus');
    expect(ok).toMatchObject({ status: 'fulfilled', value: { nodeId: 1, isLeader: true } });
  });

  it('a producer socket shrugs off unsolicited errors and acks, then delivers normally', async () => {
    const srv = await serve(() => ({
      onAccept: (c) =>
        c.write([
          controlReply(Command.ERROR_RESPONSE, 'Topic not found'),
          encodeAck(5n),
          encodeBackpressure(),
          controlReply(Command.TOPIC_RESPONSE, '{}'),
        ]),
      onFrame: (f, c) => {
        if (isIngest(f)) setTimeout(() => c.write(encodeAck(f.batchId)), 30);
      },
    }));
    const producer = track(await Producer.connect(srv.address, new ProducerConfig().withLingerMs(0)));
    await sleep(30);
    const ack = await settleWithin(producer.send(1, 'x'), 1_000, 'send');
    expect(ack).toMatchObject({ status: 'fulfilled', value: { type: 'acked' } });
  });
});

describe('a keepalive flood', () => {
  const FLOOD = 20_000;
  const CHUNK = 1_000;
  const floodScript = (onFrame?: (f: Frame, c: Conn) => void) => () => ({
    onAccept: (c: Conn) => {
      const one = encodeKeepalive();
      const chunk = Buffer.concat(Array.from({ length: CHUNK }, () => one));
      let sent = 0;
      const pump = (): void => {
        if (c.socket.destroyed || sent >= FLOOD) return;
        c.socket.write(chunk);
        sent += CHUNK;
        setImmediate(pump);
      };
      pump();
    },
    ...(onFrame ? { onFrame } : {}),
  });

  it('Promise API: the client never answers them and stays responsive', async () => {
    const srv = await serve(
      floodScript((f, c) => {
        if (isCommand(f, Command.LIST_TOPICS)) c.write(listReply());
      }),
    );
    const client = await connect(srv.address, (c) => c.withKeepaliveInterval(0).withRequestTimeout(2_000));
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) {
      const r = await settleWithin(client.listTopics(), 2_000, `listTopics #${i}`);
      expect(r.status).toBe('fulfilled');
    }
    expect(Date.now() - t0).toBeLessThan(3_000);
    await sleep(100); // let the flood finish arriving
    const sent = srv.conns[0]!.received;
    expect(sent.filter((f) => f.flags & Flags.KEEPALIVE)).toHaveLength(0); // not one echo
    expect(sent).toHaveLength(5); // exactly the five requests
    expect(srv.conns).toHaveLength(1);
  });

  it('Rx API: frames$ never sees them; a producer on a flooded socket still gets its acks', async () => {
    const srv = await serve(
      floodScript((f, c) => {
        if (isIngest(f)) c.write(encodeAck(f.batchId));
      }),
    );
    const lance = track(new Lance({ servers: [srv.address], keepaliveMs: 0, reconnect: FAST_RECONNECT }));
    const producer = lance.producer(1, { lingerMs: 0 });
    const outcomes: ProduceOutcome[] = [];
    producer.acks$.subscribe((o) => outcomes.push(o));
    for (let i = 0; i < 10; i++) producer.next(`r${i}`);
    await settleWithin(producer.flush(), 3_000, 'flush');
    expect(outcomes.every((o) => o.type === 'acked')).toBe(true);
    expect(outcomes.reduce((n, o) => n + (o.type === 'acked' ? o.count : 0), 0)).toBe(10);
    await sleep(100);
    const sent = srv.conns[0]!.received;
    expect(sent.filter((f) => f.flags & Flags.KEEPALIVE)).toHaveLength(0);
    expect(sent.every(isIngest)).toBe(true);
  });
});

describe('a FetchResponse whose data lies about its length', () => {
  /** FetchResponse payload with an arbitrary bytes_returned and next_offset. */
  const lyingFetch = (nextOffset: bigint, bytesReturned: number, data: Uint8Array): Uint8Array => {
    const p = new Uint8Array(16 + data.length);
    writeU64(p, 0, nextOffset);
    writeU32(p, 8, bytesReturned);
    writeU32(p, 12, 1);
    p.set(data, 16);
    return controlReply(Command.FETCH_RESPONSE, p);
  };
  const data = encodeRecords([TlvRecord.raw('hello'), TlvRecord.raw('world')]);
  const lies: [string, (offset: bigint) => Uint8Array, unknown][] = [
    ['bytes_returned above the data', (o) => lyingFetch(o + 20n, 100, data), InvalidFrameError],
    ['bytes_returned below the data', (o) => lyingFetch(o + 20n, 3, data), InvalidFrameError],
    ['bytes_returned = 4 GiB - 1, no data', (o) => lyingFetch(o, 0xffff_ffff, new Uint8Array(0)), InvalidFrameError],
    [
      'a payload shorter than its 16-byte header',
      () => controlReply(Command.FETCH_RESPONSE, new Uint8Array(9)),
      InvalidFrameError,
    ],
    ['next_offset that does not follow the data', (o) => lyingFetch(o + 1_000n, 20, data), InvalidFrameError],
    ['next_offset going backwards', (o) => lyingFetch(o === 0n ? 0n : o - 1n, 20, data), InvalidFrameError],
    [
      'a record declaring 4 GiB',
      (o) => lyingFetch(o + 5n, 5, Uint8Array.of(1, 0xff, 0xff, 0xff, 0xff)),
      InvalidRecordError,
    ],
    [
      'a CatchingUp shorter than 8 bytes',
      () => controlReply(Command.CATCHING_UP, new Uint8Array(3)),
      InvalidFrameError,
    ],
  ];

  const fetchServer = (answer: (offset: bigint) => Uint8Array) =>
    serve(() => ({
      onFrame: (f, c) => {
        if (isCommand(f, Command.FETCH)) c.write(answer(decodeFetch(f.payload).offset));
      },
    }));

  it.each(lies.slice(0, 4))('LanceClient.fetch: %s → typed error', async (_n, answer, type) => {
    const srv = await fetchServer(answer);
    const client = await connect(srv.address);
    const err = await rejectionWithin(client.fetch(1, 0n, 1_000), 1_000, 'fetch');
    expect(err).toBeInstanceOf(type);
  });

  it.each(lies)(
    'StandaloneConsumer.poll: %s → typed error, a bounded number of fetches, no loop',
    async (_n, answer, type) => {
      const srv = await fetchServer(answer);
      const consumer = track(
        await StandaloneConsumer.connect(
          srv.address,
          new StandaloneConfig('hostile', 1)
            .withLagProbeInterval(false)
            .withPollTimeout(200)
            .withServerCommit(false)
            .withManualCommit(),
          { lanceOptions: { reconnect: FAST_RECONNECT } },
        ),
      );
      const err = await rejectionWithin(consumer.poll(), 2_000, 'poll');
      expect(err).toBeInstanceOf(type);
      expect(srv.allReceived().filter((f) => isCommand(f, Command.FETCH)).length).toBeLessThanOrEqual(2);
      // Asking again fails again, promptly: no silent skip past the bad data.
      const again = await rejectionWithin(consumer.poll(), 2_000, 'second poll');
      expect(isLanceError(again)).toBe(true);
    },
  );

  it.each(lies)(
    'Rx topic$: %s → the stream errors with a typed error, a bounded number of fetches',
    async (_n, answer, type) => {
      const srv = await fetchServer(answer);
      const lance = track(new Lance({ servers: [srv.address], reconnect: FAST_RECONNECT }));
      const err = await rejectionWithin(
        lastValueFrom(lance.topic$(1, 0n, { lagProbeIntervalMs: false })),
        2_000,
        'topic$',
      );
      expect(err).toBeInstanceOf(type);
      expect(srv.allReceived().filter((f) => isCommand(f, Command.FETCH)).length).toBeLessThanOrEqual(2);
    },
  );
});

describe('a TopicResponse that is not valid JSON', () => {
  const bad: [string, string | Uint8Array][] = [
    ['truncated JSON', '{"created_at":1706918400,"id":1,'],
    ['not JSON at all', 'Topic created!'],
    ['invalid UTF-8', Uint8Array.of(0xff, 0xfe, 0x7b, 0x7d)],
    ['empty', ''],
    ['a JSON array', '[1,2,3]'],
    ['JSON null', 'null'],
    ['a string id', '{"created_at":1,"id":"1","name":"a","topic_epoch":1}'],
    ['a negative id', '{"created_at":1,"id":-1,"name":"a","topic_epoch":1}'],
    ['a fractional id', '{"created_at":1,"id":1.5,"name":"a","topic_epoch":1}'],
    ['an id above 2^53', '{"created_at":1,"id":123456789012345678901,"name":"a","topic_epoch":1}'],
    ['no name', '{"created_at":1,"id":1,"topic_epoch":1}'],
    ['a lone u64 marker', '{"created_at":1,"id":"\\u0000u64:x","name":"a"}'],
  ];

  it.each(bad)('createTopic (Promise): %s → InvalidFrameError', async (_n, body) => {
    const srv = await serve(() => ({
      onFrame: (f, c) => {
        if (isCommand(f, Command.CREATE_TOPIC)) c.write(controlReply(Command.TOPIC_RESPONSE, body));
      },
    }));
    const client = await connect(srv.address);
    const err = await rejectionWithin(client.createTopic('events'), 1_000, 'createTopic');
    expect(err).toBeInstanceOf(InvalidFrameError);
    // A bad body is not a bad stream: the connection stays usable.
    expect(srv.conns).toHaveLength(1);
  });

  it('createTopic$ and listTopics$ (Rx) → InvalidFrameError; listTopics with "topics" not an array too', async () => {
    const srv = await serve(() => ({
      onFrame: (f, c) => {
        if (isCommand(f, Command.CREATE_TOPIC)) c.write(controlReply(Command.TOPIC_RESPONSE, '{"id":'));
        if (isCommand(f, Command.LIST_TOPICS)) c.write(controlReply(Command.TOPIC_RESPONSE, '{"topics":{"0":{}}}'));
      },
    }));
    const lance = track(new Lance({ servers: [srv.address], reconnect: FAST_RECONNECT }));
    expect(await rejectionWithin(firstValueFrom(createTopic$(lance, 'events')), 1_000, 'createTopic$')).toBeInstanceOf(
      InvalidFrameError,
    );
    expect(await rejectionWithin(firstValueFrom(listTopics$(lance)), 1_000, 'listTopics$')).toBeInstanceOf(
      InvalidFrameError,
    );
  });

  it('ensureTopic does not retry forever on garbage JSON', async () => {
    const srv = await serve(() => ({
      onFrame: (f, c) => {
        if (isCommand(f, Command.CREATE_TOPIC) || isCommand(f, Command.LIST_TOPICS))
          c.write(controlReply(Command.TOPIC_RESPONSE, '{'));
      },
    }));
    const client = await connect(srv.address);
    const err = await rejectionWithin(client.ensureTopic('events', { baseMs: 1 }), 2_000, 'ensureTopic');
    expect(err).toBeInstanceOf(InvalidFrameError);
    expect(srv.allReceived().length).toBeLessThanOrEqual(2);
  });
});

describe('an ack followed by garbage in the same read', () => {
  it('the ack still counts: the batch is acked, not retried or failed, then the connection stops', async () => {
    const srv = await serve(() => ({
      onFrame: (f, c) => {
        if (!isIngest(f)) return;
        const ackThenGarbage = new Uint8Array(44 + 8);
        ackThenGarbage.set(encodeAck(f.batchId));
        ackThenGarbage.set([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0], 44);
        c.write(ackThenGarbage);
      },
    }));
    const producer = track(await Producer.connect(srv.address, new ProducerConfig().withLingerMs(0)));
    const ack = await settleWithin(producer.send(1, 'x'), 1_000, 'send');
    expect(ack).toMatchObject({ status: 'fulfilled', value: { type: 'acked', attempts: 1 } });
  });
});
