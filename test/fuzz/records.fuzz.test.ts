/**
 * Fuzzing the record layer (see fuzz-kit.ts for FUZZ_RUNS / FUZZ_SEED): `decodeRecords` and
 * `decompressRecords` with random bytes and mutated vectors (the TLV data of the FetchResponse
 * vector, the LZ4 vector, envelopes made by `compressRecords`): a valid result or a typed LanceError,
 * results consistent with the input, and allocation bounded by the limits given.
 */
import fc from 'fast-check';
import { compressRecords, decompressRecords } from '../../src/wire/record-envelope';
import { TlvRecord, decodeRecords, encodeRecords } from '../../src/wire/tlv';
import { InvalidRecordError } from '../../src/wire/errors';
import { TIMEOUT_MS, fromHex, hostileBytes, params, typedOrValue, vectors } from './fuzz-kit';

const tlvSeeds: Uint8Array[] = [
  fromHex('010500000068656c6c6f0105000000776f726c64'),
  fromHex(vectors.lz4.inputHex),
  encodeRecords([
    TlvRecord.raw(''),
    TlvRecord.json({ a: 1 }),
    TlvRecord.keyValue('k', 'v'),
    TlvRecord.timestamped(1n, 'x'),
  ]),
];

/** Envelope values (what follows the 5-byte TLV header): u32 uncompressed size + LZ4 block. */
const lz4Vector = (() => {
  const block = fromHex(vectors.lz4.rawBlockHex);
  const input = fromHex(vectors.lz4.inputHex);
  const v = new Uint8Array(4 + block.length);
  new DataView(v.buffer).setUint32(0, input.length, true);
  v.set(block, 4);
  return v;
})();
const envelopeSeeds: Uint8Array[] = [
  lz4Vector,
  ...tlvSeeds
    .map((t) => compressRecords(t))
    .filter((e): e is Uint8Array => e !== undefined)
    .map((e) => e.subarray(5)),
  compressRecords(encodeRecords(Array.from({ length: 50 }, (_, i) => TlvRecord.raw(`record ${i % 3}`))))!.subarray(5),
];

describe('record layer fuzz', () => {
  it(
    'decodeRecords: records tile the consumed prefix exactly; the rest is the tail; only InvalidRecordError',
    () => {
      fc.assert(
        fc.property(hostileBytes(tlvSeeds, 300), fc.integer({ min: 0, max: 64 }), (data, max) => {
          const r = typedOrValue(() => decodeRecords(data, { maxRecordLength: max }));
          if (!r.ok) {
            expect(r.error).toBeInstanceOf(InvalidRecordError);
            return;
          }
          const { records, positions, consumed, tail } = r.value;
          let o = 0;
          records.forEach((rec, i) => {
            expect(positions[i]).toBe(o);
            expect(rec.value.length).toBeLessThanOrEqual(max);
            o += 5 + rec.value.length;
          });
          expect(consumed).toBe(o);
          expect(tail.length).toBe(data.length - consumed);
        }),
        params(),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'decompressRecords: exactly the claimed size or InvalidRecordError; never more than maxLength',
    () => {
      const MAX = 4096;
      fc.assert(
        fc.property(hostileBytes(envelopeSeeds, 200), (value) => {
          const r = typedOrValue(() => decompressRecords(value, MAX));
          if (!r.ok) {
            expect(r.error).toBeInstanceOf(InvalidRecordError);
            return;
          }
          expect(r.value.length).toBe(
            new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(0, true),
          );
          expect(r.value.length).toBeLessThanOrEqual(MAX);
        }),
        params(),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'decompressRecords: a claimed size above the limit is refused before allocating, whatever the size',
    () => {
      fc.assert(
        fc.property(fc.integer({ min: 1025, max: 0xffff_ffff }), fc.uint8Array({ maxLength: 32 }), (size, block) => {
          const v = new Uint8Array(4 + block.length);
          new DataView(v.buffer).setUint32(0, size, true);
          v.set(block, 4);
          const before = process.memoryUsage().arrayBuffers;
          expect(() => decompressRecords(v, 1024)).toThrow(InvalidRecordError);
          expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
        }),
        params(0.25),
      );
    },
    TIMEOUT_MS,
  );

  it('the 4 GiB claim with the default 16 MiB limit is refused with a typed error', () => {
    const v = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x00);
    expect(() => decompressRecords(v)).toThrow(/claims 4294967295 bytes/);
  });

  it(
    'round trip: compressRecords output always decompresses to the input',
    () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }), (values) => {
          const tlv = encodeRecords(values.map((v) => TlvRecord.raw(v)));
          const env = compressRecords(tlv);
          if (env === undefined) return;
          expect(Buffer.from(decompressRecords(env.subarray(5)))).toEqual(Buffer.from(tlv));
        }),
        params(),
      );
    },
    TIMEOUT_MS,
  );
});
