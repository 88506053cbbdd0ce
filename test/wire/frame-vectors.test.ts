import {
  Command,
  FrameDecoder,
  InvalidFrameError,
  crc32,
  encodeAuthenticate,
  encodeAuthenticateResponse,
  encodeCatchingUp,
  encodeCommitAck,
  encodeCommitOffset,
  encodeControl,
  encodeCreateTopic,
  encodeCreateTopicWithRetention,
  encodeFetch,
  encodeFetchResponse,
  encodeFrame,
  encodeServerJson,
  encodeSetRetention,
  encodeSubscribe,
  encodeSubscribeAck,
  encodeTopicId,
  encodeUnsubscribe,
  headerCrc,
  utf8Encode,
} from './wire-api';
import { hex, toHex, vectors, type VectorFrame } from './vectors';

const big = (v: unknown): bigint => BigInt(v as string | number);
const num = (v: unknown): number => Number(v);

/** Builds each vector frame from its fields with our encoders, never from its hex. */
function build(v: VectorFrame): Uint8Array {
  const f = v.fields;
  const flags = num(f['flags']);
  if (f['command'] === undefined) {
    return encodeFrame({
      flags,
      batchId: big(f['batchId'] ?? 0),
      timestampNs: big(f['timestampNs'] ?? 0),
      recordCount: num(f['recordCount'] ?? 0),
      topicId: num(f['topicId'] ?? 0),
      ...(f['payloadHex'] !== undefined ? { payload: hex(f['payloadHex'] as string) } : {}),
    });
  }
  const cmd = num(f['command']);
  switch (cmd) {
    case Command.CREATE_TOPIC:
      return encodeControl(cmd, encodeCreateTopic(f['payloadUtf8'] as string));
    case Command.CREATE_TOPIC_WITH_RETENTION:
      return encodeControl(
        cmd,
        encodeCreateTopicWithRetention(f['name'] as string, {
          maxAgeSecs: big(f['maxAgeSecs']),
          maxBytes: big(f['maxBytes']),
        }),
      );
    case Command.LIST_TOPICS:
    case Command.GET_CLUSTER_STATUS:
      return encodeControl(cmd);
    case Command.GET_TOPIC:
    case Command.DELETE_TOPIC:
      return encodeControl(cmd, encodeTopicId(num(f['topicId'])));
    case Command.FETCH:
      return encodeControl(
        cmd,
        encodeFetch({ topicId: num(f['topicId']), offset: big(f['offset']), maxBytes: num(f['maxBytes']) }),
      );
    case Command.FETCH_RESPONSE:
      return encodeControl(cmd, encodeFetchResponse(big(f['nextOffset']), hex(f['dataHex'] as string)));
    case Command.CATCHING_UP:
      return encodeControl(cmd, encodeCatchingUp(big(f['serverOffset'])));
    case Command.ERROR_RESPONSE:
      return encodeControl(cmd, utf8Encode(f['message'] as string));
    case Command.SUBSCRIBE:
      return encodeControl(
        cmd,
        encodeSubscribe({
          topicId: num(f['topicId']),
          startOffset: big(f['offset']),
          maxBatchBytes: num(f['maxBatchBytes']),
          consumerId: big(f['consumerId']),
        }),
      );
    case Command.SUBSCRIBE_ACK:
      return encodeControl(
        cmd,
        encodeSubscribeAck({ consumerId: big(f['consumerId']), startOffset: big(f['offset']) }),
      );
    case Command.UNSUBSCRIBE:
      return encodeControl(cmd, encodeUnsubscribe({ topicId: num(f['topicId']), consumerId: big(f['consumerId']) }));
    case Command.COMMIT_OFFSET:
      return encodeControl(
        cmd,
        encodeCommitOffset({ topicId: num(f['topicId']), consumerId: big(f['consumerId']), offset: big(f['offset']) }),
      );
    case Command.COMMIT_ACK:
      return encodeControl(
        cmd,
        encodeCommitAck({ consumerId: big(f['consumerId']), committedOffset: big(f['offset']) }),
      );
    case Command.TOPIC_RESPONSE:
      return encodeControl(cmd, encodeServerJson(JSON.parse(f['json'] as string)));
    case Command.AUTHENTICATE:
      return encodeControl(cmd, encodeAuthenticate(f['token'] as string));
    case Command.AUTHENTICATE_RESPONSE:
      return encodeControl(
        cmd,
        encodeAuthenticateResponse({ success: f['success'] as boolean, message: f['message'] as string }),
      );
    case Command.SET_RETENTION:
      return encodeControl(
        cmd,
        encodeSetRetention({
          topicId: num(f['topicId']),
          maxAgeSecs: big(f['maxAgeSecs']),
          maxBytes: big(f['maxBytes']),
        }),
      );
    default:
      throw new Error(`vector command ${cmd} has no builder`);
  }
}

describe('lwp-vectors.json (PROTOCOL.md §9)', () => {
  it('CRC-32 is the IEEE/zlib polynomial, not CRC-32C', () => {
    for (const [input, want] of Object.entries(vectors.crc32)) {
      expect(crc32(utf8Encode(input)).toString(16).padStart(8, '0')).toBe(want);
    }
    for (const [flags, want] of Object.entries(vectors.headerCrcByFlags)) {
      expect(headerCrc(Number(flags)).toString(16).padStart(8, '0')).toBe(want);
    }
  });

  it.each(vectors.frames.map((v) => [v.name, v] as const))('%s encodes byte-exact from its fields', (_n, v) => {
    expect(toHex(build(v))).toBe(v.hex);
  });

  it.each(vectors.frames.map((v) => [v.name, v] as const))('%s decodes whole and one byte at a time', (_n, v) => {
    const bytes = hex(v.hex);
    const whole = new FrameDecoder().push(bytes);
    expect(whole).toHaveLength(1);
    const d = new FrameDecoder();
    const split = [];
    for (let i = 0; i < bytes.length; i++) split.push(...d.push(bytes.subarray(i, i + 1)));
    expect(split).toHaveLength(1);
    expect(split[0]).toEqual(whole[0]);
    expect(toHex(encodeFrame(whole[0]!))).toBe(v.hex);
    expect(d.bufferedBytes).toBe(0);
  });

  it.each(vectors.negative.map((v) => [v.name, v] as const))('%s throws InvalidFrameError', (_n, v) => {
    expect(() => new FrameDecoder().push(hex(v.hex))).toThrow(InvalidFrameError);
    const d = new FrameDecoder();
    const bytes = hex(v.hex);
    expect(() => {
      for (let i = 0; i < bytes.length; i++) d.push(bytes.subarray(i, i + 1));
    }).toThrow(InvalidFrameError);
  });

  it('rejects the oversize header before any payload arrives, without buffering it', () => {
    const v = vectors.negative.find((n) => n.name.includes('16777217'))!;
    const header = hex(v.hex).subarray(0, 44);
    const d = new FrameDecoder();
    expect(() => d.push(header)).toThrow(/exceeds the limit of 16777216/);
    // A decoder that failed stays failed: the stream is out of sync.
    expect(() => d.push(hex(vectors.frames[0]!.hex))).toThrow(InvalidFrameError);
  });

  it('accepts exactly the configured limit and rejects one byte more', () => {
    const d = new FrameDecoder({ maxPayloadLength: 8 });
    expect(d.push(encodeFrame({ flags: 4, payload: new Uint8Array(8).fill(1) }))).toHaveLength(1);
    expect(() => d.push(encodeFrame({ flags: 4, payload: new Uint8Array(9) }))).toThrow(InvalidFrameError);
  });

  it('rejects garbage as soon as the magic disagrees, without waiting for 44 bytes', () => {
    expect(() => new FrameDecoder().push(Uint8Array.of(0x4c, 0x41, 0x00))).toThrow(/bad magic/);
  });

  it('returns payloads as views into the pushed chunk when a frame arrives whole', () => {
    const bytes = hex(vectors.frames[3]!.hex);
    const [frame] = new FrameDecoder().push(bytes);
    expect(frame!.payload.buffer).toBe(bytes.buffer);
  });
});

describe('FrameDecoder.pushAll', () => {
  it('returns the good frames that precede a bad one in the same chunk, with the error', () => {
    const ack = hex(vectors.frames.find((f) => f.name === 'ack batch 1')!.hex);
    const bad = hex(vectors.negative[0]!.hex);
    const chunk = new Uint8Array(ack.length + bad.length);
    chunk.set(ack);
    chunk.set(bad, ack.length);
    const d = new FrameDecoder();
    const { frames, error } = d.pushAll(chunk);
    expect(frames.map((f) => f.batchId)).toEqual([1n]);
    expect(error).toBeInstanceOf(InvalidFrameError);
    expect(() => new FrameDecoder().push(chunk)).toThrow(InvalidFrameError);
    expect(d.pushAll(ack)).toEqual({ frames: [], error });
  });
});
