/**
 * Compressed batches that stay valid TLV. The server stores payloads verbatim and drops the
 * Compressed flag (PROTOCOL.md §5), so compressing a frame would corrupt the topic for every reader.
 * Instead a whole batch of TLV records is wrapped in one record:
 *
 *   type 0xFD (RecordType.LNC_COMPRESSED) | length u32 | uncompressed_length u32 LE | LZ4 raw block
 *
 * (the `lz4_flex::compress_prepend_size` layout). Our consumer unwraps it transparently; other
 * clients see one opaque user-defined record.
 */
import lz4 from 'lz4js';
import { readU32, writeU32 } from './bytes.js';
import { DEFAULT_MAX_PAYLOAD } from './constants.js';
import { InvalidRecordError } from './errors.js';
import { RecordType, TLV_HEADER_SIZE } from './tlv.js';

let hashTable: Uint32Array | undefined;

/**
 * Returns the envelope record (header included) for `records` (encoded TLV), or `undefined` when
 * compression would not make the batch smaller — then send the records as they are.
 */
export function compressRecords(records: Uint8Array): Uint8Array | undefined {
  const bound = lz4.compressBound(records.length);
  const out = new Uint8Array(TLV_HEADER_SIZE + 4 + bound);
  hashTable ??= new Uint32Array(65536);
  hashTable.fill(0);
  const n = lz4.compressBlock(records, out.subarray(TLV_HEADER_SIZE + 4), 0, records.length, hashTable);
  if (n === 0 || TLV_HEADER_SIZE + 4 + n >= records.length) return undefined;
  out[0] = RecordType.LNC_COMPRESSED;
  writeU32(out, 1, 4 + n);
  writeU32(out, TLV_HEADER_SIZE, records.length);
  return out.subarray(0, TLV_HEADER_SIZE + 4 + n);
}

/** The TLV bytes inside an envelope record's value. */
export function decompressRecords(value: Uint8Array, maxLength = DEFAULT_MAX_PAYLOAD): Uint8Array {
  if (value.length < 4) throw new InvalidRecordError('compressed envelope shorter than its length prefix');
  const size = readU32(value, 0);
  if (size > maxLength) throw new InvalidRecordError(`compressed envelope claims ${size} bytes, above ${maxLength}`);
  const out = new Uint8Array(size);
  let end: number;
  try {
    end = lz4.decompressBlock(value, out, 4, value.length - 4, 0);
  } catch (err) {
    throw new InvalidRecordError('compressed envelope is not a valid LZ4 block', { cause: err });
  }
  if (end !== size) throw new InvalidRecordError(`compressed envelope decoded to ${end} bytes, expected ${size}`);
  return out;
}
