import fc from 'fast-check';
import { RecordAssembler } from '../../src/rx/consumer/record-assembler';
import { InvalidRecordError } from '../../src/wire/errors';
import { compressRecords } from '../../src/wire/record-envelope';
import { TlvRecord, encodeRecords } from '../../src/wire/tlv';

interface Expected {
  offset: bigint;
  nextOffset: bigint;
  type: number;
  value: number[];
}

/** Feed `log` cut at `cuts`, collect what comes out, check batch offsets chain without gaps. */
function feed(log: Uint8Array, cuts: number[], base = 0n): Expected[] {
  const a = new RecordAssembler();
  const out: Expected[] = [];
  let at = 0;
  let delivered = base;
  for (const end of [...cuts, log.length]) {
    const r = a.push(log.subarray(at, end), base + BigInt(at));
    if (r.records.length > 0) {
      expect(r.startOffset).toBe(delivered);
      delivered = r.endOffset;
    }
    for (const rec of r.records)
      out.push({ offset: rec.offset, nextOffset: rec.nextOffset, type: rec.type, value: [...rec.value] });
    at = end;
  }
  expect(delivered).toBe(base + BigInt(log.length));
  expect(a.pendingBytes).toBe(0);
  return out;
}

describe('RecordAssembler', () => {
  it('recovers every record with its offset whatever the fetch boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ type: fc.integer({ min: 0, max: 0xfc }), value: fc.uint8Array({ maxLength: 40 }) }), {
          maxLength: 30,
        }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (recs, rawCuts) => {
          const log = encodeRecords(recs.map((r) => new TlvRecord(r.type, r.value)));
          const cuts = [...new Set(rawCuts.map((c) => c % (log.length + 1)))].sort((x, y) => x - y);
          const expected: Expected[] = [];
          let o = 0;
          for (const r of recs) {
            expected.push({
              offset: BigInt(o) + 1000n,
              nextOffset: BigInt(o + 5 + r.value.length) + 1000n,
              type: r.type,
              value: [...r.value],
            });
            o += 5 + r.value.length;
          }
          expect(feed(log, cuts, 1000n)).toEqual(expected);
        },
      ),
    );
  });

  it('a fetch that completes no record leaves the end offset where it was', () => {
    const a = new RecordAssembler();
    const log = encodeRecords([TlvRecord.raw('x'.repeat(20))]);
    expect(a.push(log.subarray(0, 3), 0n)).toEqual({ records: [], startOffset: 0n, endOffset: 0n });
    expect(a.push(log.subarray(3, 10), 3n)).toEqual({ records: [], startOffset: 0n, endOffset: 0n });
    expect(a.push(new Uint8Array(0), 10n)).toEqual({ records: [], startOffset: 0n, endOffset: 0n });
    const done = a.push(log.subarray(10), 10n);
    expect(done.records.map((r) => r.text())).toEqual(['x'.repeat(20)]);
    expect(done.endOffset).toBe(25n);
  });

  it('missingBytes: the rest of the header while the length is unknown, then the rest of the record', () => {
    const a = new RecordAssembler();
    const log = encodeRecords([TlvRecord.raw('x'.repeat(95))]); // 100 bytes
    expect(a.missingBytes).toBe(0);
    a.push(log.subarray(0, 2), 0n);
    expect(a.missingBytes).toBe(3);
    a.push(log.subarray(2, 40), 2n);
    expect(a.missingBytes).toBe(60);
    expect(a.push(log.subarray(40), 40n).records).toHaveLength(1);
    expect(a.missingBytes).toBe(0);
  });

  it('opens compressed envelopes; their records carry the envelope offset', () => {
    const inner = encodeRecords(Array.from({ length: 21 }, (_, i) => TlvRecord.raw(`hello ${i % 3}`)));
    const envelope = compressRecords(inner)!;
    expect(envelope).toBeDefined();
    const log = new Uint8Array([
      ...encodeRecords([TlvRecord.raw('before')]),
      ...envelope,
      ...encodeRecords([TlvRecord.raw('after')]),
    ]);
    const out = feed(log, [7, 20, 21]);
    expect(out).toHaveLength(23);
    expect(out[0]!.offset).toBe(0n);
    expect(out.slice(1, 22).every((r) => r.offset === 11n)).toBe(true);
    expect(Buffer.from(out[5]!.value).toString()).toBe('hello 1');
    expect(out[22]!.offset).toBe(11n + BigInt(envelope.length));
    // Committing inside an envelope re-reads it whole; its last record's next offset is its end.
    expect(out.slice(1, 21).every((r) => r.nextOffset === 11n)).toBe(true);
    expect(out[21]!.nextOffset).toBe(11n + BigInt(envelope.length));
  });

  it('leaves envelopes closed when asked', () => {
    const envelope = compressRecords(encodeRecords(Array.from({ length: 21 }, () => TlvRecord.raw('hello'))))!;
    const r = new RecordAssembler({ unwrapCompressed: false }).push(envelope, 0n);
    expect(r.records.map((x) => x.type)).toEqual([0xfd]);
  });

  it('throws InvalidRecordError for a length that cannot be real (offset off a record boundary)', () => {
    const a = new RecordAssembler({ maxRecordLength: 1000 });
    expect(() => a.push(Uint8Array.of(1, 0xe9, 3, 0, 0, 1, 2), 40n)).toThrow(InvalidRecordError);
    const b = new RecordAssembler({ maxRecordLength: 1000 });
    b.push(Uint8Array.of(1, 0xe9), 0n);
    expect(() => b.push(Uint8Array.of(3, 0, 0), 2n)).toThrow(/offset 0 declares 1001 bytes/);
  });
});
