import fc from 'fast-check';
import {
  InvalidArgumentError,
  InvalidRecordError,
  RecordType,
  TlvRecord,
  compressRecords,
  decodeRecords,
  decompressRecords,
  encodeRecords,
} from './wire-api';
import { hex, toHex, vectors } from './vectors';

const recordArb = fc
  .record({ type: fc.integer({ min: 0, max: 0xfe }), value: fc.uint8Array({ maxLength: 64 }) })
  .map((r) => new TlvRecord(r.type, r.value));

describe('TLV records (PROTOCOL.md §4)', () => {
  it('encodes type, little-endian length and value, as in vector V4', () => {
    expect(toHex(encodeRecords([TlvRecord.raw('test')]))).toBe('010400000074657374');
  });

  it('round-trips any records (except 0xFF) and returns their positions', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 20 }), (records) => {
        const bytes = encodeRecords(records);
        const d = decodeRecords(bytes);
        expect(d.records.map((r) => [r.type, [...r.value]])).toEqual(records.map((r) => [r.type, [...r.value]]));
        expect(d.consumed).toBe(bytes.length);
        expect(d.tail.length).toBe(0);
        let pos = 0;
        records.forEach((r, i) => {
          expect(d.positions[i]).toBe(pos);
          pos += r.encodedLength;
        });
      }),
    );
  });

  it('returns the records complete before a cut and the cut record as the tail', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 10 }), fc.nat(), (records, at) => {
        const bytes = encodeRecords(records);
        const cut = at % (bytes.length + 1);
        const first = decodeRecords(bytes.subarray(0, cut));
        const joined = new Uint8Array(first.tail.length + bytes.length - cut);
        joined.set(first.tail);
        joined.set(bytes.subarray(cut), first.tail.length);
        const second = decodeRecords(joined);
        expect(first.records.length + second.records.length).toBe(records.length);
        expect(first.consumed + first.tail.length).toBe(cut);
      }),
    );
  });

  it('refuses to write 0xFF and says why and what to use instead, but reads it', () => {
    expect(() => encodeRecords([TlvRecord.null()])).toThrow(InvalidArgumentError);
    expect(() => encodeRecords([TlvRecord.null()])).toThrow(/crash recovery.*7-byte/);
    const d = decodeRecords(Uint8Array.of(0xff, 0, 0, 0, 0, 0x01, 1, 0, 0, 0, 0x41));
    expect(d.records.map((r) => r.type)).toEqual([0xff, 0x01]);
  });

  it('treats an absurd declared length as misalignment, not an allocation', () => {
    const bytes = Uint8Array.of(0x01, 0xff, 0xff, 0xff, 0x7f, 0);
    expect(() => decodeRecords(bytes, { maxRecordLength: 1024 })).toThrow(InvalidRecordError);
  });

  it('builds and reads the structured layouts of §4.4', () => {
    const kv = TlvRecord.keyValue('user-1', 'hello');
    expect(kv.type).toBe(RecordType.KEY_VALUE);
    expect(toHex(kv.value)).toBe('0600' + Buffer.from('user-1').toString('hex') + Buffer.from('hello').toString('hex'));
    const { key, value } = kv.asKeyValue();
    expect([key, Buffer.from(value).toString()]).toEqual(['user-1', 'hello']);
    const ts = TlvRecord.timestamped(1706918400_000_000_000n, 'event');
    expect(ts.asTimestamped().timestampNs).toBe(1706918400_000_000_000n);
    expect(TlvRecord.json({ a: 1 }).text()).toBe('{"a":1}');
    expect(TlvRecord.json('{"b":2}').type).toBe(RecordType.JSON);
    expect(() => TlvRecord.raw('x').asKeyValue()).toThrow(InvalidRecordError);
    expect(() => new TlvRecord(RecordType.KEY_VALUE, Uint8Array.of(9, 0)).asKeyValue()).toThrow(InvalidRecordError);
  });
});

describe('compressed batch envelope (PROTOCOL.md §5)', () => {
  it('decodes the lz4_flex size-prepended layout of the shared LZ4 vector', () => {
    const input = hex(vectors.lz4.inputHex);
    const block = hex(vectors.lz4.rawBlockHex);
    const value = new Uint8Array(4 + block.length);
    new DataView(value.buffer).setUint32(0, input.length, true);
    value.set(block, 4);
    expect(toHex(decompressRecords(value))).toBe(vectors.lz4.inputHex);
  });

  it('wraps a compressible batch in one 0xFD record that unwraps to the same records', () => {
    const input = hex(vectors.lz4.inputHex);
    const env = compressRecords(input)!;
    expect(env[0]).toBe(RecordType.LNC_COMPRESSED);
    expect(env.length).toBeLessThan(input.length);
    const [record] = decodeRecords(env).records;
    expect(toHex(record!.value.subarray(4))).toBe(vectors.lz4.rawBlockHex);
    expect(toHex(decompressRecords(record!.value))).toBe(vectors.lz4.inputHex);
  });

  it('declines to compress what would not shrink', () => {
    expect(compressRecords(encodeRecords([TlvRecord.raw(Uint8Array.of(1, 2, 3))]))).toBeUndefined();
    const random = Uint8Array.from({ length: 500 }, (_, i) => (i * 7919 + 13) % 251);
    const out = compressRecords(random);
    if (out) expect(out.length).toBeLessThan(random.length);
  });

  it('rejects a corrupt or lying envelope with a typed error', () => {
    const value = new Uint8Array(10);
    new DataView(value.buffer).setUint32(0, 1_000_000_000, true);
    expect(() => decompressRecords(value)).toThrow(InvalidRecordError);
    const short = new Uint8Array(8);
    new DataView(short.buffer).setUint32(0, 100, true);
    short.set([0xf0, 0xff, 0xff, 0xff], 4);
    expect(() => decompressRecords(short)).toThrow(InvalidRecordError);
  });
});
