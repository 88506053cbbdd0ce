import fc from 'fast-check';
import { FrameDecoder, InvalidFrameError, encodeFrame, type Frame } from './wire-api';
import { cutAt } from '../helpers/chunks';

const u64 = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn });
const u32 = fc.nat({ max: 0xffff_ffff });
const frameArb = fc.record({
  flags: fc.nat({ max: 0xff }),
  batchId: u64,
  timestampNs: u64,
  recordCount: u32,
  topicId: u32,
  payload: fc.uint8Array({ maxLength: 300 }),
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('FrameDecoder properties', () => {
  it('round-trips any frame through encode and decode', () => {
    fc.assert(
      fc.property(frameArb, (f) => {
        const [decoded] = new FrameDecoder().push(encodeFrame(f));
        expect(decoded).toEqual(f);
      }),
    );
  });

  it('decodes the same frames however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (frames, cuts) => {
          const stream = concat(frames.map((f) => encodeFrame(f)));
          const d = new FrameDecoder();
          const out: Frame[] = [];
          for (const part of cutAt(stream, cuts)) out.push(...d.push(part));
          expect(out).toEqual(frames);
          expect(d.bufferedBytes).toBe(0);
        },
      ),
    );
  });

  it('turns random bytes into frames or InvalidFrameError, nothing else, and never over-allocates', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.boolean(), (bytes, withMagic) => {
        const input = withMagic ? concat([Uint8Array.of(0x4c, 0x41, 0x4e, 0x43, 1), bytes]) : bytes;
        const d = new FrameDecoder({ maxPayloadLength: 1024 });
        try {
          d.push(input);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidFrameError);
        }
        expect(d.bufferedBytes).toBeLessThanOrEqual(44 + 1024);
      }),
    );
  });

  it('rejects a corrupted byte of a valid frame (or never yields a frame that differs)', () => {
    fc.assert(
      fc.property(frameArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (f, at, xor) => {
        const bytes = encodeFrame(f).slice();
        const i = at % bytes.length;
        bytes[i] = bytes[i]! ^ xor;
        const d = new FrameDecoder();
        let frames: Frame[];
        try {
          frames = d.push(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidFrameError);
          return;
        }
        // Fields outside both CRCs (batch id, timestamp, counts, topic, payload length when the
        // payload is empty) are not protected on the wire: a change there decodes as a different frame.
        expect(i >= 12 && i < 44).toBe(true);
        expect(frames.length).toBeLessThanOrEqual(1);
      }),
    );
  });
});
