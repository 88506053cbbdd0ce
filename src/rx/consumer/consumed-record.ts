/**
 * One record as the consumer hands it out. Built for the hot path: one small object per record and
 * nothing else — the value is a view into the fetched bytes made only when read, and the bigint
 * offset is computed only when read (bigint math per record is what makes a JS consumer slow).
 */
import { fromUtf8 } from '../../wire/bytes.js';
import { TLV_HEADER_SIZE, TlvRecord } from '../../wire/tlv.js';

/**
 * @internal What the records cut from one buffer share: the buffer, the topic offset the relative
 * positions count from, and `delta`, such that a record whose value starts at `buf[v]` has its TLV
 * header at relative position `v - TLV_HEADER_SIZE + delta`. One per fetch, so a record needs only
 * four fields (smaller objects: less to allocate and for the GC to copy, per record).
 */
export class RecordSource {
  constructor(
    readonly buf: Uint8Array,
    readonly base: bigint,
    readonly delta: number,
  ) {}
}

export class ConsumedRecord {
  /** @internal Use `ConsumedRecord`s from a batch; the layout below is not API. */
  constructor(
    /** TLV type byte (opaque to the server, PROTOCOL.md §4.3). */
    readonly type: number,
    private readonly src: RecordSource,
    private readonly valueStart: number,
    /** Length of the value in bytes. */
    readonly length: number,
  ) {}

  /** The value: a view into the fetched data (copy it to keep it beyond the batch). */
  get value(): Uint8Array {
    return this.src.buf.subarray(this.valueStart, this.valueStart + this.length);
  }

  /**
   * Byte offset of this record's TLV header in the topic. Records unwrapped from a compressed
   * envelope all carry the envelope's offset (the only position the log knows for them).
   */
  get offset(): bigint {
    const s = this.src;
    return s.base + BigInt(this.valueStart - TLV_HEADER_SIZE + s.delta);
  }

  /**
   * Where the next record starts: the offset to commit once this record is processed, so a
   * restart resumes right after it. For a record unwrapped from a compressed envelope it is the
   * envelope's offset (the whole envelope is read again) except for its last record, whose
   * `nextOffset` is the envelope's end: the log cannot resume inside an envelope.
   */
  get nextOffset(): bigint {
    const s = this.src;
    return s.base + BigInt(this.valueStart + this.length + s.delta);
  }

  /** The value as UTF-8 text. */
  text(): string {
    return fromUtf8(this.value);
  }

  /** As the codec's record type (for `asKeyValue()`, `asTimestamped()`, re-producing). */
  toTlvRecord(): TlvRecord {
    return new TlvRecord(this.type, this.value);
  }

  toJSON(): { offset: string; nextOffset: string; type: number; length: number } {
    return {
      offset: this.offset.toString(),
      nextOffset: this.nextOffset.toString(),
      type: this.type,
      length: this.length,
    };
  }
}

/**
 * @internal A record unwrapped from a compressed envelope: its offsets are the envelope's, not its
 * position in the decompressed bytes, so it keeps them itself (rare: one envelope holds many records).
 */
export class UnwrappedRecord extends ConsumedRecord {
  constructor(
    type: number,
    src: RecordSource,
    valueStart: number,
    length: number,
    private readonly at: bigint,
    private readonly next: bigint,
  ) {
    super(type, src, valueStart, length);
  }

  override get offset(): bigint {
    return this.at;
  }

  override get nextOffset(): bigint {
    return this.next;
  }
}
