/**
 * Fuzzing the FrameDecoder (see fuzz-kit.ts for FUZZ_RUNS / FUZZ_SEED): random and mutated byte
 * streams, pushed in random chunks. Only frames or InvalidFrameError; the buffer never exceeds
 * header + maxPayloadLength; a failed decoder stays failed; chunking never changes the result.
 */
import fc from 'fast-check';
import { FrameDecoder } from '../../src/wire/decoder';
import { HEADER_SIZE } from '../../src/wire/constants';
import { headerCrc, type Frame } from '../../src/wire/frame';
import { InvalidFrameError } from '../../src/wire/errors';
import { TIMEOUT_MS, fromHex, hostileBytes, mutated, params, vectorFrames, vectors } from './fuzz-kit';
import { cutAt } from '../helpers/chunks';

const MAX = 64;

/** Valid streams: several vector frames back to back. */
const validStream = fc
  .array(fc.constantFrom(...vectorFrames), { minLength: 1, maxLength: 5 })
  .map((fs) => Uint8Array.from(Buffer.concat(fs)));
/** Hostile streams: random bytes, mutated vector frames, mutated valid streams. */
const stream = fc.oneof(
  hostileBytes([...vectorFrames, ...vectors.negative.map((n) => fromHex(n.hex))], 400),
  validStream.chain((s) => mutated([s])),
);
/** Cut points for pushing a stream in pieces. */
const cuts = fc.array(fc.nat({ max: 500 }), { maxLength: 8 });

type Outcome = { frames: Frame[]; error: InvalidFrameError | undefined };

/** Pushes `chunks`, checking the invariants after each push. */
function run(decoder: FrameDecoder, chunks: Uint8Array[]): Outcome {
  const frames: Frame[] = [];
  for (const chunk of chunks) {
    let got: Frame[];
    try {
      got = decoder.push(chunk);
    } catch (err) {
      if (!(err instanceof InvalidFrameError))
        throw new Error(`untyped exception from FrameDecoder: ${String(err)}`, { cause: err });
      // Failed for good: the same error again, whatever comes next.
      expect(() => decoder.push(Uint8Array.of(0x4c))).toThrow(err);
      return { frames, error: err };
    }
    for (const f of got) expect(f.payload.length).toBeLessThanOrEqual(decoder.maxPayloadLength);
    frames.push(...got);
    expect(decoder.bufferedBytes).toBeLessThanOrEqual(HEADER_SIZE + decoder.maxPayloadLength);
  }
  return { frames, error: undefined };
}

describe('FrameDecoder fuzz', () => {
  it(
    'random and mutated streams in random chunks: frames or InvalidFrameError only, buffer bounded',
    () => {
      fc.assert(
        fc.property(stream, cuts, (bytes, c) => {
          run(new FrameDecoder({ maxPayloadLength: MAX }), cutAt(bytes, c));
        }),
        params(),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'chunking never changes the outcome (same frames, same failure)',
    () => {
      fc.assert(
        fc.property(stream, cuts, (bytes, c) => {
          const whole = run(new FrameDecoder({ maxPayloadLength: MAX }), [bytes]);
          const pieces = run(new FrameDecoder({ maxPayloadLength: MAX }), cutAt(bytes, c));
          expect(pieces.error === undefined).toBe(whole.error === undefined);
          // On failure, `push` throws away the frames of the failing chunk: compare only successes.
          if (whole.error === undefined) {
            expect(pieces.frames.map(summary)).toEqual(whole.frames.map(summary));
          }
        }),
        params(),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'a valid header announcing more than the limit is refused as soon as the header is in, whatever the length',
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: MAX + 1, max: 0xffff_ffff }),
          fc.integer({ min: 1, max: HEADER_SIZE }),
          (len, split) => {
            const h = header(len);
            const d = new FrameDecoder({ maxPayloadLength: MAX });
            expect(d.push(h.subarray(0, split - 1))).toEqual([]);
            expect(() => d.push(h.subarray(split - 1))).toThrow(InvalidFrameError);
            expect(d.bufferedBytes).toBeLessThanOrEqual(HEADER_SIZE);
          },
        ),
        params(),
      );
    },
    TIMEOUT_MS,
  );

  it('a 4 GiB announcement under the default 16 MiB limit allocates nothing', () => {
    const before = process.memoryUsage().arrayBuffers;
    const d = new FrameDecoder();
    expect(() => d.push(header(0xffff_ffff))).toThrow(/exceeds the limit/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  });

  it(
    'a payload arriving byte by byte never buffers more than it announced',
    () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: MAX }), fc.integer({ min: 0, max: MAX }), (len, sent) => {
          const d = new FrameDecoder({ maxPayloadLength: MAX });
          expect(d.push(header(len))).toEqual([]);
          for (let i = 0; i < Math.min(sent, len - 1); i++) {
            expect(d.push(Uint8Array.of(i))).toEqual([]);
            expect(d.bufferedBytes).toBeLessThanOrEqual(len);
          }
        }),
        params(),
      );
    },
    TIMEOUT_MS,
  );
});

/** A header with a valid CRC, control flags, announcing `len` bytes. */
function header(len: number): Uint8Array {
  const h = new Uint8Array(HEADER_SIZE);
  h.set([0x4c, 0x41, 0x4e, 0x43, 1, 0x40]);
  const dv = new DataView(h.buffer);
  dv.setUint32(8, headerCrc(0x40), true);
  dv.setUint32(32, len, true);
  return h;
}

const summary = (f: Frame): string =>
  `${f.flags}/${f.batchId}/${f.timestampNs}/${f.recordCount}/${f.topicId}/${Buffer.from(f.payload).toString('hex')}`;
