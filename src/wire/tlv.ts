/**
 * TLV records, the convention every ingest payload must follow (PROTOCOL.md §4):
 *
 *   type u8 | length u32 LE (of the value) | value — packed back to back, no padding.
 *
 * The server never reads records, but its crash recovery re-parses segments as TLV and treats type
 * 0xFF as a 7-byte extended header, so we never write 0xFF (§4.2). We still read it (as a 5-byte
 * header, the Python client's Null) so that data written by others can be consumed.
 */
import { fromUtf8, readU16, readU32, readU64, utf8, writeU16, writeU32, writeU64 } from './bytes.js';
import { DEFAULT_MAX_PAYLOAD } from './constants.js';
import { InvalidArgumentError, InvalidRecordError } from './errors.js';

export const TLV_HEADER_SIZE = 5;

/** Type codes as the Python client and the seed README name them (§4.3). */
export const RecordType = {
  RAW: 0x01,
  JSON: 0x02,
  MSGPACK: 0x03,
  PROTOBUF: 0x04,
  AVRO: 0x05,
  KEY_VALUE: 0x10,
  TIMESTAMPED: 0x11,
  KEY_TIMESTAMPED: 0x12,
  /** Our compressed-batch envelope (see record-envelope.ts); user-defined range. */
  LNC_COMPRESSED: 0xfd,
  /** Readable, never writable: see `encodeRecords`. */
  NULL: 0xff,
} as const;

export class TlvRecord {
  constructor(
    readonly type: number,
    readonly value: Uint8Array,
  ) {}

  static raw(value: Uint8Array | string): TlvRecord {
    return new TlvRecord(RecordType.RAW, bytesOf(value));
  }

  /** A string or bytes are taken as JSON text; anything else is `JSON.stringify`-ed. */
  static json(value: unknown): TlvRecord {
    const text = typeof value === 'string' || value instanceof Uint8Array ? value : JSON.stringify(value);
    return new TlvRecord(RecordType.JSON, bytesOf(text));
  }

  static msgpack(value: Uint8Array): TlvRecord {
    return new TlvRecord(RecordType.MSGPACK, value);
  }

  /** `key_len u16 | key UTF-8 | value` (§4.4). */
  static keyValue(key: string, value: Uint8Array | string): TlvRecord {
    const k = utf8(key);
    if (k.length > 0xffff) throw new InvalidArgumentError('key longer than 65535 bytes');
    const v = bytesOf(value);
    const out = new Uint8Array(2 + k.length + v.length);
    writeU16(out, 0, k.length);
    out.set(k, 2);
    out.set(v, 2 + k.length);
    return new TlvRecord(RecordType.KEY_VALUE, out);
  }

  /** `timestamp_ns u64 | data` (§4.4). */
  static timestamped(timestampNs: bigint, value: Uint8Array | string): TlvRecord {
    const v = bytesOf(value);
    const out = new Uint8Array(8 + v.length);
    writeU64(out, 0, timestampNs);
    out.set(v, 8);
    return new TlvRecord(RecordType.TIMESTAMPED, out);
  }

  /** The Python client's tombstone. It can be read, but `encodeRecords` refuses it (see there). */
  static null(): TlvRecord {
    return new TlvRecord(RecordType.NULL, new Uint8Array(0));
  }

  get encodedLength(): number {
    return TLV_HEADER_SIZE + this.value.length;
  }

  asKeyValue(): { key: string; value: Uint8Array } {
    if (this.type !== RecordType.KEY_VALUE || this.value.length < 2)
      throw new InvalidRecordError('not a KeyValue record');
    const n = readU16(this.value, 0);
    if (2 + n > this.value.length) throw new InvalidRecordError('KeyValue key length runs past the value');
    return { key: fromUtf8(this.value.subarray(2, 2 + n)), value: this.value.subarray(2 + n) };
  }

  asTimestamped(): { timestampNs: bigint; value: Uint8Array } {
    if (this.type !== RecordType.TIMESTAMPED || this.value.length < 8)
      throw new InvalidRecordError('not a Timestamped record');
    return { timestampNs: readU64(this.value, 0), value: this.value.subarray(8) };
  }

  /** The value as UTF-8 text. */
  text(): string {
    return fromUtf8(this.value);
  }
}

function bytesOf(v: Uint8Array | string): Uint8Array {
  return typeof v === 'string' ? utf8(v) : v;
}

/** Why a record of `type` cannot be written, or undefined when it can. */
export function writableTypeProblem(type: number): InvalidArgumentError | undefined {
  if (Number.isInteger(type) && type >= 0 && type < RecordType.NULL) return undefined;
  if (type !== RecordType.NULL) return new InvalidArgumentError(`record type must be a u8, got ${type}`);
  return new InvalidArgumentError(
    "record type 0xFF cannot be written: the Lance server's crash recovery reads 0xFF as a 7-byte " +
      'extended header and would truncate or corrupt the log. Use another type, e.g. ' +
      'TlvRecord.raw(new Uint8Array(0)) for an empty marker, or a user-defined type 0x80–0xFC.',
  );
}

export function assertWritableType(type: number): void {
  const problem = writableTypeProblem(type);
  if (problem !== undefined) throw problem;
}

/** Writes one record at `o`, returns the offset after it. */
export function writeRecord(out: Uint8Array, o: number, type: number, value: Uint8Array): number {
  out[o] = type;
  writeU32(out, o + 1, value.length);
  out.set(value, o + TLV_HEADER_SIZE);
  return o + TLV_HEADER_SIZE + value.length;
}

export function encodeRecords(records: readonly TlvRecord[]): Uint8Array {
  let size = 0;
  for (const r of records) {
    assertWritableType(r.type);
    size += TLV_HEADER_SIZE + r.value.length;
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const r of records) o = writeRecord(out, o, r.type, r.value);
  return out;
}

export interface DecodedRecords {
  /** Complete records; values are views into the input. */
  readonly records: TlvRecord[];
  /** Start position of each record within the input. */
  readonly positions: number[];
  /** Bytes consumed by complete records. */
  readonly consumed: number;
  /** The incomplete last record, if the data was cut mid-record (a view). */
  readonly tail: Uint8Array;
}

export interface DecodeRecordsOptions {
  /** A declared value length above this means misaligned data. Default 16 MiB. */
  readonly maxRecordLength?: number;
}

/** Decodes the complete records of `data`; a record cut at the end is returned as `tail`. */
export function decodeRecords(data: Uint8Array, options: DecodeRecordsOptions = {}): DecodedRecords {
  const max = options.maxRecordLength ?? DEFAULT_MAX_PAYLOAD;
  const records: TlvRecord[] = [];
  const positions: number[] = [];
  let o = 0;
  while (data.length - o >= TLV_HEADER_SIZE) {
    const len = readU32(data, o + 1);
    if (len > max) {
      throw new InvalidRecordError(
        `record at position ${o} declares ${len} bytes, above the limit of ${max}: the data is not aligned on a record boundary`,
      );
    }
    const end = o + TLV_HEADER_SIZE + len;
    if (end > data.length) break;
    records.push(new TlvRecord(data[o]!, data.subarray(o + TLV_HEADER_SIZE, end)));
    positions.push(o);
    o = end;
  }
  return { records, positions, consumed: o, tail: data.subarray(o) };
}
