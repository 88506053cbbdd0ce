import fc from 'fast-check';
import {
  InvalidFrameError,
  decodeAuthenticateResponse,
  decodeCatchingUp,
  decodeClusterStatus,
  decodeCommitAck,
  decodeCommitOffset,
  decodeCreateTopicWithRetention,
  decodeDeleted,
  decodeFetch,
  decodeFetchResponse,
  decodeRetentionReply,
  decodeSetRetention,
  decodeSubscribe,
  decodeSubscribeAck,
  decodeTopicId,
  decodeTopicInfo,
  decodeTopicList,
  decodeUnsubscribe,
  encodeAuthenticateResponse,
  encodeCatchingUp,
  encodeCommitAck,
  encodeCommitOffset,
  encodeCreateTopicWithRetention,
  encodeFetch,
  encodeFetchResponse,
  encodeServerJson,
  encodeSetRetention,
  encodeSubscribe,
  encodeSubscribeAck,
  encodeTopicId,
  encodeUnsubscribe,
  utf8Encode,
} from './wire-api';

const u64 = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn });
const u32 = fc.nat({ max: 0xffff_ffff });

describe('payload codecs round-trip (PROTOCOL.md §2.3)', () => {
  const cases: [string, fc.Arbitrary<unknown>, (v: never) => Uint8Array, (p: Uint8Array) => unknown][] = [
    ['Fetch', fc.record({ topicId: u32, offset: u64, maxBytes: u32 }), encodeFetch, decodeFetch],
    [
      'Subscribe',
      fc.record({ topicId: u32, startOffset: u64, maxBatchBytes: u32, consumerId: u64 }),
      encodeSubscribe,
      decodeSubscribe,
    ],
    ['SubscribeAck', fc.record({ consumerId: u64, startOffset: u64 }), encodeSubscribeAck, decodeSubscribeAck],
    ['Unsubscribe', fc.record({ topicId: u32, consumerId: u64 }), encodeUnsubscribe, decodeUnsubscribe],
    ['CommitOffset', fc.record({ topicId: u32, consumerId: u64, offset: u64 }), encodeCommitOffset, decodeCommitOffset],
    ['CommitAck', fc.record({ consumerId: u64, committedOffset: u64 }), encodeCommitAck, decodeCommitAck],
    [
      'SetRetention',
      fc.record({ topicId: u32, maxAgeSecs: u64, maxBytes: u64 }),
      encodeSetRetention,
      decodeSetRetention,
    ],
    [
      'AuthenticateResponse',
      fc.record({ success: fc.boolean(), message: fc.string() }),
      encodeAuthenticateResponse,
      decodeAuthenticateResponse,
    ],
  ];
  it.each(cases)('%s', (_name, arb, encode, decode) => {
    fc.assert(fc.property(arb, (v) => expect(decode(encode(v as never))).toEqual(v)));
  });

  it('CreateTopicWithRetention uses a u16 name length', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9-]{1,40}$/), u64, u64, (name, maxAgeSecs, maxBytes) => {
        const p = encodeCreateTopicWithRetention(name, { maxAgeSecs, maxBytes });
        expect(p[0]! | (p[1]! << 8)).toBe(name.length);
        expect(decodeCreateTopicWithRetention(p)).toEqual({ name, maxAgeSecs, maxBytes });
      }),
    );
  });

  it('FetchResponse keeps data as a view and checks bytes_returned', () => {
    fc.assert(
      fc.property(u64, fc.uint8Array({ maxLength: 200 }), (next, data) => {
        const p = encodeFetchResponse(next, data);
        const r = decodeFetchResponse(p);
        expect(r).toEqual({ nextOffset: next, bytesReturned: data.length, recordCountFlag: data.length ? 1 : 0, data });
        expect(r.data.buffer).toBe(p.buffer);
      }),
    );
    const lying = encodeFetchResponse(0n, new Uint8Array(10));
    lying[8] = 200; // says 200 bytes, carries 10
    expect(() => decodeFetchResponse(lying)).toThrow(InvalidFrameError);
  });

  it('CatchingUp and topic ids', () => {
    expect(decodeCatchingUp(encodeCatchingUp(20n))).toBe(20n);
    expect(decodeTopicId(encodeTopicId(7))).toBe(7);
    // The server reads a short GetTopic/DeleteTopic payload as id 0 (§2.3.6).
    expect(decodeTopicId(new Uint8Array(2))).toBe(0);
  });

  it('short payloads are InvalidFrameError, never a RangeError or a garbage value', () => {
    const decoders = [
      decodeFetch,
      decodeSubscribe,
      decodeSubscribeAck,
      decodeUnsubscribe,
      decodeCommitOffset,
      decodeCommitAck,
      decodeSetRetention,
      decodeCatchingUp,
      decodeFetchResponse,
      decodeCreateTopicWithRetention,
      decodeAuthenticateResponse,
    ];
    for (const decode of decoders) expect(() => decode(new Uint8Array(0))).toThrow(InvalidFrameError);
    // name_len says 100 but the payload is only 18 bytes.
    const p = new Uint8Array(18);
    p[0] = 100;
    expect(() => decodeCreateTopicWithRetention(p)).toThrow(InvalidFrameError);
  });
});

describe('TopicResponse and ClusterStatus JSON (§2.3.3–2.3.9)', () => {
  const json = (s: string) => utf8Encode(s);

  it('parses a create reply with created_at in seconds', () => {
    const t = decodeTopicInfo(json('{"created_at":1706918400,"id":1,"name":"my-events","topic_epoch":1}'));
    expect(t).toEqual({ id: 1, name: 'my-events', createdAt: new Date(1706918400_000), topicEpoch: 1 });
  });

  it('reads top-level retention keys, keeping u64::MAX exact', () => {
    const t = decodeTopicInfo(
      json('{"created_at":1,"id":2,"max_age_secs":86400,"max_bytes":18446744073709551615,"name":"a","topic_epoch":1}'),
    );
    expect(t.retention).toEqual({ maxAgeSecs: 86400n, maxBytes: 0xffff_ffff_ffff_ffffn });
    expect(
      decodeRetentionReply(json('{"max_age_secs":10000000000,"max_bytes":18446744073709551615,"topic_id":3}')),
    ).toEqual({
      topicId: 3,
      maxAgeSecs: 10_000_000_000n,
      maxBytes: 0xffff_ffff_ffff_ffffn,
    });
  });

  it('parses lists in declaration order and the delete reply', () => {
    const list = decodeTopicList(
      json(
        '{"topics":[{"id":1,"name":"a","created_at":5,"topic_epoch":1},{"id":2,"name":"b","created_at":6,"topic_epoch":1}]}',
      ),
    );
    expect(list.map((t) => [t.id, t.name])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(decodeDeleted(json('{"deleted":4}'))).toBe(4);
  });

  it('parses the standalone cluster status', () => {
    const s = decodeClusterStatus(
      encodeServerJson({
        current_term: 0,
        healthy_nodes: 1,
        is_leader: true,
        leader_id: 0,
        mode: 'standalone',
        node_count: 1,
        node_id: 0,
        peer_states: {},
        quorum_available: true,
      }),
    );
    expect(s).toMatchObject({
      mode: 'standalone',
      nodeId: 0,
      isLeader: true,
      leaderId: 0,
      currentTerm: 0n,
      nodeCount: 1,
      healthyNodes: 1,
      quorumAvailable: true,
      peerStates: {},
    });
  });

  it('serializes with sorted keys as serde_json does', () => {
    expect(Buffer.from(encodeServerJson({ name: 'x', id: 1, created_at: 2n, topic_epoch: 1 })).toString()).toBe(
      '{"created_at":2,"id":1,"name":"x","topic_epoch":1}',
    );
  });

  it('malformed JSON is an InvalidFrameError', () => {
    expect(() => decodeTopicInfo(json('{"id":'))).toThrow(InvalidFrameError);
    expect(() => decodeTopicInfo(json('{"id":"1","name":"a","created_at":1}'))).toThrow(InvalidFrameError);
    expect(() => decodeTopicList(json('{"topics":3}'))).toThrow(InvalidFrameError);
  });
});
