/**
 * Fuzzing every response parser (see fuzz-kit.ts for FUZZ_RUNS / FUZZ_SEED) with random bytes and
 * with vectors from lwp-vectors.json mutated (bit flips, truncations, extensions, length-field
 * overwrites): a valid result or a typed LanceError, never another exception; and results that are
 * returned are consistent with the bytes (lengths, ranges).
 */
import fc from 'fast-check';
import { Command } from '../../src/wire/constants';
import { errorFromServerText } from '../../src/wire/classify';
import { LanceError, NotLeaderError } from '../../src/wire/errors';
import { decodeAuthenticateResponse } from '../../src/wire/payloads/auth';
import { decodeClusterStatus } from '../../src/wire/payloads/cluster-status';
import { decodeCatchingUp, decodeFetchResponse } from '../../src/wire/payloads/fetch';
import { decodeCommitAck, decodeSubscribeAck } from '../../src/wire/payloads/subscription';
import {
  decodeDeleted,
  decodeRetentionReply,
  decodeTopicInfo,
  decodeTopicList,
} from '../../src/wire/payloads/topic-response';
import { TIMEOUT_MS, hostileBytes, params, typedOrValue, utf8, vectorPayloads } from './fuzz-kit';

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const topicJson = (id: number, name: string) => `{"created_at":1706918400,"id":${id},"name":"${name}","topic_epoch":1}`;

const seeds = {
  fetch: vectorPayloads(Command.FETCH_RESPONSE),
  catchingUp: vectorPayloads(Command.CATCHING_UP),
  subscribeAck: vectorPayloads(Command.SUBSCRIBE_ACK),
  commitAck: vectorPayloads(Command.COMMIT_ACK),
  auth: [...vectorPayloads(Command.AUTHENTICATE_RESPONSE), Uint8Array.of(0, ...utf8('Invalid token'))],
  topic: [
    ...vectorPayloads(Command.TOPIC_RESPONSE),
    utf8(
      '{"created_at":1706918400,"id":2,"max_age_secs":86400,"max_bytes":18446744073709551615,"name":"r","topic_epoch":1}',
    ),
  ],
  list: [utf8(`{"topics":[${topicJson(1, 'a')},${topicJson(2, 'b-2')}]}`), utf8('{"topics":[]}')],
  deleted: [utf8('{"deleted":1}'), utf8('{"deleted":4294967295}')],
  retention: [utf8('{"max_age_secs":86400,"max_bytes":18446744073709551615,"topic_id":1}')],
  cluster: [
    utf8(
      '{"current_term":0,"healthy_nodes":1,"is_leader":true,"leader_id":null,"mode":"standalone","node_count":1,"node_id":0,"peer_states":{},"quorum_available":true}',
    ),
    utf8(
      '{"current_term":7,"healthy_nodes":2,"is_leader":false,"leader_id":2,"node_count":3,"node_id":1,"peer_states":{"2":"healthy","3":"unreachable"},"quorum_available":true}',
    ),
  ],
};

/** Every JSON parser also gets arbitrary JSON text (valid or not) of any shape. */
const jsonText = fc.oneof(
  fc.json().map(utf8),
  fc.jsonValue().map((v) => utf8(JSON.stringify(v))),
  fc.string().map(utf8),
  // long integer literals (the bigint path), in and out of u64 range
  fc
    .tuple(
      fc.constantFrom('id', 'created_at', 'max_bytes', 'deleted', 'node_id', 'current_term', 'topic_id'),
      fc.bigInt({ min: 0n, max: 1n << 80n }),
    )
    .map(([k, v]) => utf8(`{"${k}":${v}}`)),
);

const ok = (r: ReturnType<typeof typedOrValue>) => r;
const isU32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;
const isSafeUint = (n: number) => Number.isSafeInteger(n) && n >= 0;

describe('response parsers fuzz: a value or a LanceError, never another exception', () => {
  it(
    'decodeFetchResponse: a returned result has bytes_returned = data length',
    () => {
      fc.assert(
        fc.property(hostileBytes(seeds.fetch), (p) => {
          const r = typedOrValue(() => decodeFetchResponse(p));
          if (!r.ok) return;
          expect(r.value.bytesReturned).toBe(r.value.data.length);
          expect(r.value.data.length).toBe(p.length - 16);
          expect(r.value.nextOffset).toBeGreaterThanOrEqual(0n);
          expect(r.value.nextOffset).toBeLessThanOrEqual(U64_MAX);
        }),
        params(),
      );
    },
    TIMEOUT_MS,
  );

  it.each([
    ['decodeCatchingUp', seeds.catchingUp, (p: Uint8Array) => decodeCatchingUp(p), 8],
    ['decodeSubscribeAck', seeds.subscribeAck, (p: Uint8Array) => decodeSubscribeAck(p), 16],
    ['decodeCommitAck', seeds.commitAck, (p: Uint8Array) => decodeCommitAck(p), 16],
    ['decodeAuthenticateResponse', seeds.auth, (p: Uint8Array) => decodeAuthenticateResponse(p), 1],
  ] as const)(
    '%s: short payloads are typed errors, others decode',
    (_name, s, decode, min) => {
      fc.assert(
        fc.property(hostileBytes(s), (p) => {
          const r = ok(typedOrValue(() => decode(p)));
          expect(r.ok).toBe(p.length >= min);
        }),
        params(),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'decodeTopicInfo: ids are u32-safe integers, names strings, dates valid or the error is typed',
    () => {
      fc.assert(
        fc.property(fc.oneof(hostileBytes(seeds.topic), jsonText), (p) => {
          const r = typedOrValue(() => decodeTopicInfo(p));
          if (!r.ok) return;
          expect(isSafeUint(r.value.id)).toBe(true);
          expect(typeof r.value.name).toBe('string');
          expect(isSafeUint(r.value.topicEpoch)).toBe(true);
          expect(r.value.createdAt).toBeInstanceOf(Date);
          if (r.value.retention) {
            expect(typeof r.value.retention.maxAgeSecs).toBe('bigint');
            expect(typeof r.value.retention.maxBytes).toBe('bigint');
          }
        }),
        params(),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'decodeTopicList: an array of well-formed topics or a typed error',
    () => {
      fc.assert(
        fc.property(fc.oneof(hostileBytes(seeds.list), jsonText), (p) => {
          const r = typedOrValue(() => decodeTopicList(p));
          if (!r.ok) return;
          expect(Array.isArray(r.value)).toBe(true);
          for (const t of r.value) expect(isSafeUint(t.id) && typeof t.name === 'string').toBe(true);
        }),
        params(),
      );
    },
    TIMEOUT_MS,
  );

  it.each([
    ['decodeDeleted', seeds.deleted, (p: Uint8Array) => isSafeUint(decodeDeleted(p))],
    [
      'decodeRetentionReply',
      seeds.retention,
      (p: Uint8Array) => {
        const r = decodeRetentionReply(p);
        return isSafeUint(r.topicId) && r.maxAgeSecs >= 0n && r.maxBytes >= 0n;
      },
    ],
    [
      'decodeClusterStatus',
      seeds.cluster,
      (p: Uint8Array) => {
        const s = decodeClusterStatus(p);
        return (
          isSafeUint(s.nodeId) &&
          (s.leaderId === null || isSafeUint(s.leaderId)) &&
          Object.values(s.peerStates).every((v) => typeof v === 'string')
        );
      },
    ],
  ] as const)(
    '%s: a well-formed value or a typed error',
    (_name, s, check) => {
      fc.assert(
        fc.property(fc.oneof(hostileBytes(s), jsonText), (p) => {
          const r = typedOrValue(() => check(p));
          if (r.ok) expect(r.value).toBe(true);
        }),
        params(),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'errorFromServerText: always returns a LanceError (never throws) and keeps the text verbatim',
    () => {
      const known = [
        'FORWARD_FAILED: x',
        'NOT_LEADER: redirect to 127.0.0.1:1992',
        'NOT_LEADER: leader unknown',
        'Rate limit exceeded',
        'Unknown topic',
        'Topic 7 not found',
        "Topic 'a' already exists",
        'Invalid data: Topic name',
        'Authentication required',
        'Access denied',
      ];
      const text = fc.oneof(
        fc.string({ unit: 'binary' }),
        fc
          .tuple(fc.constantFrom(...known), fc.string({ unit: 'binary', maxLength: 20 }), fc.nat())
          .map(([k, tail, cut]) => k.slice(0, cut % (k.length + 1)) + tail),
        fc.tuple(fc.constantFrom(...known), fc.string({ unit: 'binary', maxLength: 20 })).map(([k, s]) => k + s),
        hostileBytes(known.map(utf8), 64).map((b) => new TextDecoder().decode(b)),
      );
      fc.assert(
        fc.property(text, (t) => {
          const e = errorFromServerText(t);
          expect(e).toBeInstanceOf(LanceError);
          expect(e.serverMessage).toBe(t);
          expect(typeof e.isRetryable()).toBe('boolean');
          if (e instanceof NotLeaderError && e.leaderAddr !== undefined) expect(e.leaderAddr).toMatch(/^\S+$/);
        }),
        params(),
      );
    },
    TIMEOUT_MS,
  );

  it('integers that do not fit are typed errors, not rounded values', () => {
    expect(typedOrValue(() => decodeDeleted(utf8('{"deleted":9007199254740993}'))).ok).toBe(false);
    expect(typedOrValue(() => decodeDeleted(utf8('{"deleted":1e3}'))).ok).toBe(true); // 1000, an integer
    expect(typedOrValue(() => decodeRetentionReply(utf8('{"max_age_secs":1,"max_bytes":-1,"topic_id":1}'))).ok).toBe(
      false,
    );
    const big = decodeRetentionReply(utf8('{"max_age_secs":1,"max_bytes":18446744073709551615,"topic_id":1}'));
    expect(big.maxBytes).toBe(U64_MAX);
    expect(isU32(decodeDeleted(utf8('{"deleted":4294967295}')))).toBe(true);
  });
});
