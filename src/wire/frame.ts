/**
 * LWP frame = 44-byte little-endian header + payload (PROTOCOL.md §1.2):
 *
 *   0  magic "LANC"        4     20 timestamp_ns u64   8
 *   4  version u8 (=1)     1     28 record_count u32   4
 *   5  flags u8            1     32 payload_length u32 4
 *   6  reserved (0)        2     36 payload_crc u32    4  CRC-32 of payload, 0 when empty
 *   8  header_crc u32      4     40 topic_id u32       4
 *  12  batch_id u64        8        (control frames carry the command in batch_id's low byte)
 *
 * header_crc covers bytes 0..8 only, so it is a constant per flags value.
 */
import { HEADER_SIZE, MAGIC, PROTOCOL_VERSION } from './constants.js';
import { crc32 } from './crc.js';
import { allocUninitialized, isU32, isU64, readU32, readU64, writeU32, writeU64 } from './bytes.js';
import { InvalidArgumentError } from './errors.js';

export interface Frame {
  readonly flags: number;
  readonly batchId: bigint;
  readonly timestampNs: bigint;
  readonly recordCount: number;
  readonly topicId: number;
  /** A view into the received bytes, not a copy. */
  readonly payload: Uint8Array;
}

/** A frame to encode; omitted fields are zero. */
export interface FrameInit {
  readonly flags: number;
  readonly batchId?: bigint;
  readonly timestampNs?: bigint;
  readonly recordCount?: number;
  readonly topicId?: number;
  readonly payload?: Uint8Array;
}

const EMPTY = new Uint8Array(0);
const headerCrcCache = new Map<number, number>();

/** CRC-32 of magic, version, flags and two zero reserved bytes. */
export function headerCrc(flags: number): number {
  let crc = headerCrcCache.get(flags);
  if (crc === undefined) {
    const prefix = Uint8Array.of(...MAGIC, PROTOCOL_VERSION, flags, 0, 0);
    crc = crc32(prefix);
    headerCrcCache.set(flags, crc);
  }
  return crc;
}

/**
 * Writes the header into `buf[0..44]` for the payload already sitting in `buf[44..]`.
 * Producers build the payload in place behind a reserved header, so a frame is never copied.
 */
export function sealFrame(buf: Uint8Array, init: Omit<FrameInit, 'payload'>): Uint8Array {
  const payloadLength = buf.length - HEADER_SIZE;
  const flags = init.flags;
  const batchId = init.batchId ?? 0n;
  const timestampNs = init.timestampNs ?? 0n;
  const recordCount = init.recordCount ?? 0;
  const topicId = init.topicId ?? 0;
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xff)
    throw new InvalidArgumentError(`flags must be a u8, got ${flags}`);
  if (!isU64(batchId)) throw new InvalidArgumentError(`batchId must be a u64, got ${batchId}`);
  if (!isU64(timestampNs)) throw new InvalidArgumentError(`timestampNs must be a u64, got ${timestampNs}`);
  if (!isU32(recordCount)) throw new InvalidArgumentError(`recordCount must be a u32, got ${recordCount}`);
  if (!isU32(topicId)) throw new InvalidArgumentError(`topicId must be a u32, got ${topicId}`);
  if (payloadLength < 0 || payloadLength > 0xffff_ffff)
    throw new InvalidArgumentError('payload does not fit a u32 length');
  buf.set(MAGIC, 0);
  buf[4] = PROTOCOL_VERSION;
  buf[5] = flags;
  buf[6] = 0;
  buf[7] = 0;
  writeU32(buf, 8, headerCrc(flags));
  writeU64(buf, 12, batchId);
  writeU64(buf, 20, timestampNs);
  writeU32(buf, 28, recordCount);
  writeU32(buf, 32, payloadLength);
  writeU32(buf, 36, payloadLength === 0 ? 0 : crc32(buf.subarray(HEADER_SIZE)));
  writeU32(buf, 40, topicId);
  return buf;
}

export function encodeFrame(init: FrameInit): Uint8Array {
  const payload = init.payload ?? EMPTY;
  const buf = allocUninitialized(HEADER_SIZE + payload.length);
  buf.set(payload, HEADER_SIZE);
  return sealFrame(buf, init);
}

/** The fixed fields of a header, read without validation. */
export interface RawHeader {
  readonly flags: number;
  readonly batchId: bigint;
  readonly timestampNs: bigint;
  readonly recordCount: number;
  readonly payloadLength: number;
  readonly payloadCrc: number;
  readonly topicId: number;
}

export function readHeader(b: Uint8Array, o: number): RawHeader {
  return {
    flags: b[o + 5]!,
    batchId: readU64(b, o + 12),
    timestampNs: readU64(b, o + 20),
    recordCount: readU32(b, o + 28),
    payloadLength: readU32(b, o + 32),
    payloadCrc: readU32(b, o + 36),
    topicId: readU32(b, o + 40),
  };
}
