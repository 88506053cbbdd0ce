/**
 * Turns the raw bytes of successive fetches into complete TLV records (PROTOCOL.md §4.6).
 *
 * A fetch is cut at `max_bytes`, so a record can straddle fetches: the cut piece is kept as the
 * tail and completed by the next fetch. Only that one stitched record is copied; every other record
 * is a view into its fetch's data. Compressed envelopes (type 0xFD, record-envelope.ts) are opened
 * here, and their records carry the envelope's offset. Pure: no I/O, no time.
 */
import { allocUninitialized, readU32 } from '../../wire/bytes.js';
import { DEFAULT_MAX_PAYLOAD } from '../../wire/constants.js';
import { InvalidRecordError } from '../../wire/errors.js';
import { decompressRecords } from '../../wire/record-envelope.js';
import { RecordType, TLV_HEADER_SIZE } from '../../wire/tlv.js';
import { ConsumedRecord, RecordSource, UnwrappedRecord } from './consumed-record.js';

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
  /**
   * The one incomplete record, copied as it arrives: its 5-byte header first, then (once the header
   * says how long it is) a buffer of exactly its size. Copying keeps memory O(bytes) however many
   * fetches the record takes; views would pin one whole frame per fetch.
   */
  private readonly header = new Uint8Array(TLV_HEADER_SIZE);
  private tailBuf: Uint8Array | undefined;
  private tailLength = 0;

  constructor(options: AssemblerOptions = {}) {
    this.max = options.maxRecordLength ?? DEFAULT_MAX_PAYLOAD;
    this.unwrap = options.unwrapCompressed ?? true;
  }

  /** Bytes of an incomplete record held from earlier fetches. */
  get pendingBytes(): number {
    return this.tailLength;
  }

  /**
   * Bytes still to fetch to complete the pending record: 0 when none is pending, the rest of its
   * 5-byte header while its length is unknown, else the rest of the record. A reader whose fetch size
   * is below this grows the next fetch to it, so a record larger than `max_bytes` takes two fetches,
   * not one per `max_bytes`.
   */
  get missingBytes(): number {
    if (this.tailLength === 0) return 0;
    if (this.tailBuf === undefined) return TLV_HEADER_SIZE - this.tailLength;
    return this.tailBuf.length - this.tailLength;
  }

  /** Forget the tail (before fetching from a record boundary again). */
  reset(): void {
    this.tailBuf = undefined;
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
      p = this.fill(data, base);
      const whole = this.tailBuf;
      if (whole === undefined || this.tailLength < whole.length)
        return { records: EMPTY, startOffset: base, endOffset: base };
      this.reset();
      this.add(records, new RecordSource(whole, base, 0), 0, whole.length - TLV_HEADER_SIZE);
    }
    const n = data.length;
    const max = this.max;
    // Every record cut from `data` shares it: its header at data[q] is at base + before + q.
    const src = new RecordSource(data, base, before);
    while (n - p >= TLV_HEADER_SIZE) {
      // readU32 inlined: this loop runs once per record.
      const len = (data[p + 1]! | (data[p + 2]! << 8) | (data[p + 3]! << 16)) + data[p + 4]! * 0x1000000;
      if (len > max) throw misaligned(base + BigInt(before + p), len, max);
      const end = p + TLV_HEADER_SIZE + len;
      if (end > n) break;
      this.add(records, src, p, len);
      p = end;
    }
    const consumed = before + p;
    if (p < n) this.fill(data.subarray(p), base + BigInt(consumed));
    return { records, startOffset: base, endOffset: consumed === 0 ? base : base + BigInt(consumed) };
  }

  /** Copies the start of `piece` into the incomplete record at `at`; returns how many bytes it took. */
  private fill(piece: Uint8Array, at: bigint): number {
    let i = 0;
    if (this.tailBuf === undefined) {
      i = Math.min(TLV_HEADER_SIZE - this.tailLength, piece.length);
      this.header.set(piece.subarray(0, i), this.tailLength);
      this.tailLength += i;
      if (this.tailLength < TLV_HEADER_SIZE) return i;
      const len = readU32(this.header, 1);
      if (len > this.max) throw misaligned(at, len, this.max);
      this.tailBuf = allocUninitialized(TLV_HEADER_SIZE + len);
      this.tailBuf.set(this.header);
    }
    const k = Math.min(this.tailBuf.length - this.tailLength, piece.length - i);
    this.tailBuf.set(piece.subarray(i, i + k), this.tailLength);
    this.tailLength += k;
    return i + k;
  }

  /** One record at `src.buf[p]` (header included), or the records of an envelope. */
  private add(out: ConsumedRecord[], src: RecordSource, p: number, len: number): void {
    const buf = src.buf;
    const type = buf[p]!;
    if (type !== RecordType.LNC_COMPRESSED || !this.unwrap) {
      out.push(new ConsumedRecord(type, src, p + TLV_HEADER_SIZE, len));
      return;
    }
    const inner = decompressRecords(buf.subarray(p + TLV_HEADER_SIZE, p + TLV_HEADER_SIZE + len), this.max);
    const at = src.base + BigInt(p + src.delta);
    const after = at + BigInt(TLV_HEADER_SIZE + len);
    const innerSrc = new RecordSource(inner, 0n, 0);
    let q = 0;
    while (q < inner.length) {
      if (inner.length - q < TLV_HEADER_SIZE)
        throw new InvalidRecordError('compressed envelope ends inside a record header');
      const l = readU32(inner, q + 1);
      const end = q + TLV_HEADER_SIZE + l;
      if (end > inner.length) throw new InvalidRecordError('compressed envelope ends inside a record');
      out.push(new UnwrappedRecord(inner[q]!, innerSrc, q + TLV_HEADER_SIZE, l, at, end < inner.length ? at : after));
      q = end;
    }
  }
}

function misaligned(at: bigint, len: number, max: number): InvalidRecordError {
  return new InvalidRecordError(
    `the record at offset ${at} declares ${len} bytes, above the limit of ${max}: the offset is not on a record boundary`,
  );
}
