/**
 * The reply limit grows for what we asked for (issue 13, bullet 3): `FrameDecoder.allowPayload`
 * raises the payload limit, never lowers it, and stops at a ceiling; a Fetch on a session raises
 * its decoder's limit to 16 + max_bytes before it is sent, and asks for less when the ceiling
 * would not let the reply in.
 */
import { Lance } from '../../src/rx/lance';
import { Command, DEFAULT_MAX_PAYLOAD, HEADER_SIZE, MAX_GROWN_PAYLOAD } from '../../src/wire/constants';
import { commandOf } from '../../src/wire/control';
import { FrameDecoder } from '../../src/wire/decoder';
import { InvalidFrameError } from '../../src/wire/errors';
import { encodeFrame } from '../../src/wire/frame';
import { writeU32 } from '../../src/wire/bytes';
import {
  FETCH_RESPONSE_HEADER,
  decodeFetch,
  decodeFetchResponse,
  encodeFetch,
  encodeFetchResponse,
} from '../../src/wire/payloads/fetch';
import { encodeControl } from '../../src/wire/control';
import { scriptedNetwork } from '../rx/fake-server';

/** Just the 44-byte header of a control frame announcing `n` payload bytes (header CRC stays valid). */
function headerAnnouncing(n: number): Uint8Array {
  const h = encodeFrame({ flags: 0x40, batchId: 0x11n }).slice(0, HEADER_SIZE);
  writeU32(h, 32, n);
  return h;
}

describe('FrameDecoder reply limit', () => {
  it('defaults to the server limit: 16 MiB is accepted, a FetchResponse of 16 MiB (16 + 16 MiB) is not', () => {
    const d = new FrameDecoder();
    expect(d.maxPayloadLength).toBe(DEFAULT_MAX_PAYLOAD);
    expect(() => new FrameDecoder().push(headerAnnouncing(DEFAULT_MAX_PAYLOAD))).not.toThrow();
    expect(() => d.push(headerAnnouncing(FETCH_RESPONSE_HEADER + DEFAULT_MAX_PAYLOAD))).toThrow(
      /16777232 exceeds the limit of 16777216/,
    );
  });

  it('allowPayload raises the limit so that reply is accepted, and one byte more is still refused', () => {
    const d = new FrameDecoder();
    expect(d.allowPayload(FETCH_RESPONSE_HEADER + DEFAULT_MAX_PAYLOAD)).toBe(DEFAULT_MAX_PAYLOAD + 16);
    expect(d.push(headerAnnouncing(DEFAULT_MAX_PAYLOAD + 16))).toEqual([]);
    expect(d.bufferedBytes).toBe(0); // header consumed; body buffer is allocated, nothing in it yet

    const e = new FrameDecoder();
    e.allowPayload(DEFAULT_MAX_PAYLOAD + 16);
    expect(() => e.push(headerAnnouncing(DEFAULT_MAX_PAYLOAD + 17))).toThrow(InvalidFrameError);
  });

  it('never lowers the limit', () => {
    const d = new FrameDecoder({ maxPayloadLength: 1000 });
    expect(d.allowPayload(10)).toBe(1000);
    expect(d.allowPayload(5000)).toBe(5000);
    expect(d.allowPayload(16)).toBe(5000);
    expect(d.maxPayloadLength).toBe(5000);
  });

  it('stops at the ceiling (64 MiB + 16 by default): a huge request cannot make us accept a huge frame', () => {
    const d = new FrameDecoder();
    expect(d.allowPayload(0xffff_ffff + 16)).toBe(MAX_GROWN_PAYLOAD);
    expect(() => d.push(headerAnnouncing(MAX_GROWN_PAYLOAD + 1))).toThrow(/exceeds the limit of 67108880/);

    const small = new FrameDecoder({ maxPayloadLength: 64, maxGrownPayloadLength: 128 });
    expect(small.allowPayload(1_000)).toBe(128);
    // A configured limit above the default ceiling stays in force (the ceiling is never below it).
    expect(new FrameDecoder({ maxPayloadLength: 100 * 1024 * 1024 }).allowPayload(200 * 1024 * 1024)).toBe(
      100 * 1024 * 1024,
    );
  });

  it('a frame of exactly the grown limit decodes, payload and CRC intact', () => {
    const d = new FrameDecoder({ maxPayloadLength: 8 });
    d.allowPayload(FETCH_RESPONSE_HEADER + 100);
    const data = new Uint8Array(100).map((_, i) => i);
    const [f] = d.push(encodeControl(Command.FETCH_RESPONSE, encodeFetchResponse(100n, data)));
    expect(Buffer.compare(decodeFetchResponse(f!.payload).data, data)).toBe(0);
  });
});

describe('a Fetch on a session raises its decoder limit', () => {
  /** A fake server answering every Fetch with `dataFor(max_bytes)` bytes of data; logs max_bytes. */
  function fetchServer(dataFor: (maxBytes: number) => number) {
    const asked: number[] = [];
    const s = scriptedNetwork({
      reply: (f) => {
        if (commandOf(f) !== Command.FETCH) return undefined;
        const { maxBytes } = decodeFetch(f.payload);
        asked.push(maxBytes);
        return encodeControl(
          Command.FETCH_RESPONSE,
          encodeFetchResponse(BigInt(dataFor(maxBytes)), new Uint8Array(dataFor(maxBytes))),
        );
      },
    });
    const lance = new Lance({
      servers: ['127.0.0.1:1'],
      connector: s.network.connector,
      keepaliveMs: 0,
      reconnect: { baseMs: 1, maxMs: 2 },
    });
    return { lance, asked };
  }

  it('max_bytes 16 MiB: the reply of 16 MiB + 16 is accepted on that socket', async () => {
    const { lance, asked } = fetchServer((m) => m);
    try {
      const reply = await lance.request(
        Command.FETCH,
        encodeFetch({ topicId: 1, offset: 0n, maxBytes: DEFAULT_MAX_PAYLOAD }),
      );
      expect(reply.payload.length).toBe(DEFAULT_MAX_PAYLOAD + 16);
      expect(asked).toEqual([DEFAULT_MAX_PAYLOAD]);
    } finally {
      await lance.close();
    }
  });

  it('max_bytes above the ceiling is lowered to what the decoder will accept (the server returns "up to" anyway)', async () => {
    const { lance, asked } = fetchServer((m) => Math.min(m, 10));
    try {
      await lance.request(Command.FETCH, encodeFetch({ topicId: 1, offset: 0n, maxBytes: 0xffff_ffff }));
      expect(asked).toEqual([MAX_GROWN_PAYLOAD - FETCH_RESPONSE_HEADER]);
    } finally {
      await lance.close();
    }
  });
});
