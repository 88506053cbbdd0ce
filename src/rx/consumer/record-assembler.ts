/**
 * Turns the raw bytes of successive fetches into complete TLV records (PROTOCOL.md §4.6).
 *
 * A fetch is cut at `max_bytes`, so a record can straddle fetches: the cut piece is kept as the
 * tail and completed by the next fetch. Only that one stitched record is copied; every other record
 * is a view into its fetch's data. Compressed envelopes (type 0xFD, record-envelope.ts) are opened
 * here, and their records carry the envelope's offset. Pure: no I/O, no time.
 */
import { readU32 } from '../../wire/bytes.js';
import { DEFAULT_MAX_PAYLOAD } from '../../wire/constants.js';
import { InvalidRecordError } from '../../wire/errors.js';
import { decompressRecords } from '../../wire/record-envelope.js';
import { RecordType, TLV_HEADER_SIZE } from '../../wire/tlv.js';
import { ConsumedRecord } from './consumed-record.js';

export interface AssemblerOptions {
  /** A declared value length above this means the offset is not on a record boundary. Default 16 MiB. */
  readonly maxRecordLength?: number;
  /** Open compressed envelopes (type 0xFD). Default true. */
  readonly unwrapCompressed?: boolean;
}

export interface Assembled {
  readonly records: ConsumedRecord[];
  /** Offset of the first record (or of the pending tail when there is none). */
  readonly startOffset: bigint;
  /** Offset just past the last complete record (= `startOffset` when none completed). */
  readonly endOffset: bigint;
}

const EMPTY: ConsumedRecord[] = [];

export class RecordAssembler {
  private readonly max: number;
  private readonly unwrap: boolean;
  /** Pieces of the one incomplete record, in order (views; copied only when completed). */
  private tail: Uint8Array[] = [];
  private tailLength = 0;

  constructor(options: AssemblerOptions = {}) {
    this.max = options.maxRecordLength ?? DEFAULT_MAX_PAYLOAD;
    this.unwrap = options.unwrapCompressed ?? true;
  }

  /** Bytes of an incomplete record held from earlier fetches. */
  get pendingBytes(): number {
    return this.tailLength;
  }

  /** Forget the tail (before fetching from a record boundary again). */
  reset(): void {
    this.tail = [];
    this.tailLength = 0;
  }

  /**
   * Adds the data of a fetch that started at `dataOffset` (which must be where the previous fetch
   * ended) and returns the records it completed.
   */
  push(data: Uint8Array, dataOffset: bigint): Assembled {
    const before = this.tailLength;
    const base = before === 0 ? dataOffset : dataOffset - BigInt(before);
    const records: ConsumedRecord[] = [];
    let p = 0;
    if (before > 0) {
      const need = this.stitchNeed(data, base);
      if (need < 0 || need > data.length) {
        this.keep(data);
        return { records: EMPTY, startOffset: base, endOffset: base };
      }
      const whole = concat(this.tail, before, data.subarray(0, need));
      this.reset();
      this.add(records, whole, 0, whole.length - TLV_HEADER_SIZE, base, 0);
      p = need;
    }
    const n = data.length;
    const max = this.max;
    while (n - p >= TLV_HEADER_SIZE) {
      // readU32 inlined: this loop runs once per record.
      const len = (data[p + 1]! | (data[p + 2]! << 8) | (data[p + 3]! << 16)) + data[p + 4]! * 0x1000000;
      if (len > max) throw misaligned(base + BigInt(before + p), len, max);
      const end = p + TLV_HEADER_SIZE + len;
      if (end > n) break;
      this.add(records, data, p, len, base, before + p);
      p = end;
    }
    if (p < n) this.keep(data.subarray(p));
    const consumed = before + p;
    return { records, startOffset: base, endOffset: consumed === 0 ? base : base + BigInt(consumed) };
  }

  /** Bytes of `data` that complete the tail record, or -1 when even its header is not complete. */
  private stitchNeed(data: Uint8Array, base: bigint): number {
    const have = this.tailLength;
    if (have + data.length < TLV_HEADER_SIZE) return -1;
    const header = new Uint8Array(TLV_HEADER_SIZE);
    let o = 0;
    for (const piece of this.tail) {
      const k = Math.min(piece.length, TLV_HEADER_SIZE - o);
      header.set(piece.subarray(0, k), o);
      o += k;
      if (o === TLV_HEADER_SIZE) break;
    }
    if (o < TLV_HEADER_SIZE) header.set(data.subarray(0, TLV_HEADER_SIZE - o), o);
    const len = readU32(header, 1);
    if (len > this.max) throw misaligned(base, len, this.max);
    return TLV_HEADER_SIZE + len - have;
  }

  private keep(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.tail.push(piece);
    this.tailLength += piece.length;
  }

  /** One record at `buf[p]` (header included), or the records of an envelope. */
  private add(out: ConsumedRecord[], buf: Uint8Array, p: number, len: number, base: bigint, rel: number): void {
    const type = buf[p]!;
    if (type !== RecordType.LNC_COMPRESSED || !this.unwrap) {
      out.push(new ConsumedRecord(type, buf, p + TLV_HEADER_SIZE, len, base, rel));
      return;
    }
    const inner = decompressRecords(buf.subarray(p + TLV_HEADER_SIZE, p + TLV_HEADER_SIZE + len), this.max);
    let q = 0;
    while (q < inner.length) {
      if (inner.length - q < TLV_HEADER_SIZE) throw new InvalidRecordError('compressed envelope ends inside a record header');
      const l = readU32(inner, q + 1);
      const end = q + TLV_HEADER_SIZE + l;
      if (end > inner.length) throw new InvalidRecordError('compressed envelope ends inside a record');
      out.push(new ConsumedRecord(inner[q]!, inner, q + TLV_HEADER_SIZE, l, base, rel));
      q = end;
    }
  }
}

function concat(pieces: readonly Uint8Array[], length: number, last: Uint8Array): Uint8Array {
  const out = new Uint8Array(length + last.length);
  let o = 0;
  for (const piece of pieces) {
    out.set(piece, o);
    o += piece.length;
  }
  out.set(last, o);
  return out;
}

function misaligned(at: bigint, len: number, max: number): InvalidRecordError {
  return new InvalidRecordError(
    `the record at offset ${at} declares ${len} bytes, above the limit of ${max}: the offset is not on a record boundary`,
  );
}
