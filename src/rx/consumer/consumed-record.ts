/**
 * One record as the consumer hands it out. Built for the hot path: one small object per record and
 * nothing else — the value is a view into the fetched bytes made only when read, and the bigint
 * offset is computed only when read (bigint math per record is what makes a JS consumer slow).
 */
import { fromUtf8 } from '../../wire/bytes.js';
import { TlvRecord } from '../../wire/tlv.js';

export class ConsumedRecord {
  /** @internal Use `ConsumedRecord`s from a batch; the layout below is not API. */
  constructor(
    /** TLV type byte (opaque to the server, PROTOCOL.md §4.3). */
    readonly type: number,
    private readonly buf: Uint8Array,
    private readonly valueStart: number,
    /** Length of the value in bytes. */
    readonly length: number,
    private readonly base: bigint,
    private readonly rel: number,
    private readonly nextRel: number,
  ) {}

  /** The value: a view into the fetched data (copy it to keep it beyond the batch). */
  get value(): Uint8Array {
    return this.buf.subarray(this.valueStart, this.valueStart + this.length);
  }

  /**
   * Byte offset of this record's TLV header in the topic. Records unwrapped from a compressed
   * envelope all carry the envelope's offset (the only position the log knows for them).
   */
  get offset(): bigint {
    return this.base + BigInt(this.rel);
  }

  /**
   * Where the next record starts: the offset to commit once this record is processed, so a
   * restart resumes right after it. For a record unwrapped from a compressed envelope it is the
   * envelope's offset (the whole envelope is read again) except for its last record, whose
   * `nextOffset` is the envelope's end: the log cannot resume inside an envelope.
   */
  get nextOffset(): bigint {
    return this.base + BigInt(this.nextRel);
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
    return { offset: this.offset.toString(), nextOffset: this.nextOffset.toString(), type: this.type, length: this.length };
  }
}
