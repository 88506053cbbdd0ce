/**
 * What a producer accepts, how big it is on the wire, and how a batch of them becomes one ingest
 * frame. Records are TLV-encoded straight into the frame buffer (44-byte header reserved in front,
 * sealed later once the session's batch id is known) when the record is accepted: one allocation per
 * batch, one copy per record, and the caller's buffer is free again as soon as the call returns.
 */
import { HEADER_SIZE } from '../../wire/constants.js';
import { InvalidArgumentError } from '../../wire/errors.js';
import { RecordType, TLV_HEADER_SIZE, TlvRecord, writableTypeProblem } from '../../wire/tlv.js';
import { compressRecords } from '../../wire/record-envelope.js';
import type { FramePool } from './frame-pool.js';

/** Raw bytes and strings (UTF-8) become type 0x01 records; a TlvRecord keeps its type. */
export type ProducerRecord = Uint8Array | string | TlvRecord;

/** Encoded size (TLV header included), or -1 when `r` is not something we can send. */
function tlvSizeOf(r: ProducerRecord): number {
  if (r instanceof Uint8Array) return TLV_HEADER_SIZE + r.length;
  if (typeof r === 'string') return TLV_HEADER_SIZE + Buffer.byteLength(r, 'utf8');
  if (r instanceof TlvRecord) return TLV_HEADER_SIZE + r.value.length;
  return -1;
}

/**
 * `r`'s encoded size (TLV header included), or why it can never be sent: not a record, a type the
 * log cannot hold, or bigger than one payload (the server closes the socket on an oversize frame,
 * PROTOCOL.md §1.4, §4.5).
 */
export function checkedSize(r: ProducerRecord, maxPayloadBytes: number): number | InvalidArgumentError {
  const size = tlvSizeOf(r);
  if (size < 0) return new InvalidArgumentError('a record must be a Uint8Array, a string or a TlvRecord');
  if (size > maxPayloadBytes) {
    return new InvalidArgumentError(
      `record of ${size - TLV_HEADER_SIZE} bytes exceeds the server's payload limit (${maxPayloadBytes - TLV_HEADER_SIZE} bytes of value)`,
    );
  }
  return r instanceof TlvRecord ? (writableTypeProblem(r.type) ?? size) : size;
}

export interface EncodedBatch {
  /** `HEADER_SIZE` reserved bytes followed by the payload; `sealFrame` fills the header. */
  readonly frame: Uint8Array;
  /** The frame came from the pool and may go back once the server answered for it. */
  readonly pooled: boolean;
}

/**
 * Writes `r` as one TLV record at `o` in `frame` (a Buffer with room for `tlvSizeOf(r)` bytes
 * there) and returns the offset after it. This is the only copy of the caller's bytes: once it
 * returns, the caller may reuse or overwrite its buffer.
 */
export function writeTlv(frame: Buffer, o: number, r: ProducerRecord): number {
  let type: number = RecordType.RAW;
  let n: number;
  if (r instanceof Uint8Array) {
    frame.set(r, o + TLV_HEADER_SIZE);
    n = r.length;
  } else if (typeof r === 'string') {
    n = frame.write(r, o + TLV_HEADER_SIZE, 'utf8');
  } else {
    type = r.type;
    frame.set(r.value, o + TLV_HEADER_SIZE);
    n = r.value.length;
  }
  frame[o] = type;
  frame.writeUInt32LE(n, o + 1);
  return o + TLV_HEADER_SIZE + n;
}

/**
 * A frame whose payload (TLV records, after `HEADER_SIZE` reserved bytes) is complete: with
 * `compress`, wraps the records in one envelope record if that shrinks them.
 */
export function finishBatch(frame: Buffer, pooled: boolean, compress: boolean, pool: FramePool): EncodedBatch {
  if (compress) {
    const envelope = compressRecords(frame.subarray(HEADER_SIZE));
    if (envelope !== undefined) {
      const small = Buffer.allocUnsafe(HEADER_SIZE + envelope.length);
      small.set(envelope, HEADER_SIZE);
      if (pooled) pool.give(frame); // never written to a socket
      return { frame: small, pooled: false };
    }
  }
  return { frame, pooled };
}
