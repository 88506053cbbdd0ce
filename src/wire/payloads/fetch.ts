/**
 * Fetch (0x10), FetchResponse (0x11) and CatchingUp (0x12) (PROTOCOL.md §2.3.11–2.3.12).
 *
 *   Fetch          topic_id u32 | start_offset u64 (u64::MAX = tail) | max_bytes u32
 *   FetchResponse  next_offset u64 | bytes_returned u32 | record_count u32 (0/1: non-empty flag) | data
 *   CatchingUp     server_offset u64 (the topic's total bytes on that node)
 */
import { readU32, readU64, writeU32, writeU64 } from '../bytes.js';
import { InvalidFrameError } from '../errors.js';
import { requireLength } from './reader.js';

export interface FetchRequest {
  readonly topicId: number;
  readonly offset: bigint;
  readonly maxBytes: number;
}

export const FETCH_REQUEST_SIZE = 16;

export function encodeFetch(r: FetchRequest): Uint8Array {
  const b = new Uint8Array(FETCH_REQUEST_SIZE);
  writeU32(b, 0, r.topicId);
  writeU64(b, 4, r.offset);
  writeU32(b, 12, r.maxBytes);
  return b;
}

export function decodeFetch(p: Uint8Array): FetchRequest {
  requireLength(p, FETCH_REQUEST_SIZE, 'Fetch');
  return { topicId: readU32(p, 0), offset: readU64(p, 4), maxBytes: readU32(p, 12) };
}

export const FETCH_RESPONSE_HEADER = 16;

export interface FetchResponse {
  readonly nextOffset: bigint;
  readonly bytesReturned: number;
  /** 1 when data is non-empty, else 0 — never a record count. */
  readonly recordCountFlag: number;
  /** A view into the frame payload. */
  readonly data: Uint8Array;
}

export function encodeFetchResponse(nextOffset: bigint, data: Uint8Array): Uint8Array {
  const b = new Uint8Array(FETCH_RESPONSE_HEADER + data.length);
  writeU64(b, 0, nextOffset);
  writeU32(b, 8, data.length);
  writeU32(b, 12, data.length > 0 ? 1 : 0);
  b.set(data, FETCH_RESPONSE_HEADER);
  return b;
}

export function decodeFetchResponse(p: Uint8Array): FetchResponse {
  requireLength(p, FETCH_RESPONSE_HEADER, 'FetchResponse');
  const bytesReturned = readU32(p, 8);
  if (bytesReturned !== p.length - FETCH_RESPONSE_HEADER) {
    throw new InvalidFrameError(
      `FetchResponse says ${bytesReturned} bytes but carries ${p.length - FETCH_RESPONSE_HEADER}`,
    );
  }
  return {
    nextOffset: readU64(p, 0),
    bytesReturned,
    recordCountFlag: readU32(p, 12),
    data: p.subarray(FETCH_RESPONSE_HEADER),
  };
}

export function encodeCatchingUp(serverOffset: bigint): Uint8Array {
  const b = new Uint8Array(8);
  writeU64(b, 0, serverOffset);
  return b;
}

export function decodeCatchingUp(p: Uint8Array): bigint {
  requireLength(p, 8, 'CatchingUp');
  return readU64(p, 0);
}
