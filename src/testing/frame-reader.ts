/**
 * Server-side frame splitting, with the real server's checks in the real server's order
 * (PROTOCOL.md §1.4, `fn handle_connection` → `fn process_frames` → `fn parse_frame`):
 *
 *   after each socket read   oversize check of the frame at the HEAD of the buffer only, reading
 *                            bytes 32..36 before anything else (even before magic)  → `headOversize`
 *   per frame (`next`)       need 44 bytes → magic → version → header CRC → need the payload →
 *                            payload CRC when payload_length > 0
 *
 * Unlike the client-side `FrameDecoder` (which throws for the whole chunk), frames are handed out one
 * at a time, so the frames that precede a bad one in the same read are still handled, exactly as the
 * server handles them before its `?` bails out (their replies are written, their ingests stored, and
 * only the deferred acks are lost).
 *
 * Nothing is copied on the hot path: a payload is a list of views into the socket chunks, so an
 * ingest can be stored as received (a payload split over several reads stays split).
 */
import nodeRsCrc32 from '@node-rs/crc32';
import { crc32, headerCrc, HEADER_SIZE, PROTOCOL_VERSION } from '../wire/index.js';

/** "LANC" read as a little-endian u32. */
const MAGIC_U32 = 0x434e414c;

export class FrameError extends Error {}

/** One frame as the server sees it; `parts` are views into received chunks (empty when no payload). */
export interface ServerFrame {
  readonly flags: number;
  /** The buffer holding the 44-byte header at `headerOffset` (for echoing batch_id bytes). */
  readonly header: Uint8Array;
  readonly headerOffset: number;
  readonly topicId: number;
  readonly payloadLength: number;
  readonly parts: readonly Uint8Array[];
}

interface PendingHeader {
  readonly header: Uint8Array;
  readonly headerOffset: number;
  readonly flags: number;
  readonly payloadLength: number;
  readonly payloadCrc: number;
  readonly topicId: number;
}

const crcCache = new Int32Array(256).fill(-1);
function expectedHeaderCrc(flags: number): number {
  let c = crcCache[flags]!;
  if (c === -1) {
    c = headerCrc(flags);
    crcCache[flags] = c | 0;
    return c;
  }
  return c >>> 0;
}

function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;
}

export class ServerFrameReader {
  private chunks: Uint8Array[] = [];
  /** Read position inside chunks[0]. */
  private pos = 0;
  /** Bytes from `pos` to the end of the last chunk. */
  private buffered = 0;
  private pending: PendingHeader | undefined;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Bytes the real server's read buffer would hold now: everything not yet handed out as a frame,
   * including the header of a frame still waiting for its payload (`read_offset` in §1.4).
   */
  get occupancy(): number {
    return this.buffered + (this.pending ? HEADER_SIZE : 0);
  }

  /** 44 + payload_length of the frame at the head of the buffer, once its 44 header bytes are there. */
  headFrameSize(): number | undefined {
    if (this.pending) return HEADER_SIZE + this.pending.payloadLength;
    if (this.buffered < HEADER_SIZE) return undefined;
    return HEADER_SIZE + this.peekU32(32);
  }

  /**
   * §1.4 step 1: right after a read, with ≥ 44 bytes buffered, the payload length of the frame at
   * the head of the buffer is compared with the limit, before magic or CRC are looked at.
   */
  headOversize(maxPayload: number): boolean {
    if (this.pending) return this.pending.payloadLength > maxPayload;
    if (this.buffered < HEADER_SIZE) return false;
    return this.peekU32(32) > maxPayload;
  }

  /** The next complete frame, `undefined` when more bytes are needed; throws `FrameError`. */
  next(): ServerFrame | undefined {
    const h = this.pending ?? this.readHeader();
    if (h === undefined) return undefined;
    if (this.buffered < h.payloadLength) {
      this.pending = h;
      return undefined;
    }
    this.pending = undefined;
    const parts = h.payloadLength === 0 ? [] : this.take(h.payloadLength);
    if (h.payloadLength > 0) {
      let crc = 0;
      for (const p of parts) crc = crc32Continue(p, crc);
      if (crc !== h.payloadCrc) throw new FrameError('payload CRC mismatch');
    }
    return {
      flags: h.flags,
      header: h.header,
      headerOffset: h.headerOffset,
      topicId: h.topicId,
      payloadLength: h.payloadLength,
      parts,
    };
  }

  private readHeader(): PendingHeader | undefined {
    if (this.buffered < HEADER_SIZE) return undefined;
    let b: Uint8Array;
    let o: number;
    const first = this.chunks[0]!;
    if (first.length - this.pos >= HEADER_SIZE) {
      b = first;
      o = this.pos;
      this.advance(HEADER_SIZE);
    } else {
      b = concat(this.take(HEADER_SIZE), HEADER_SIZE);
      o = 0;
    }
    if (u32(b, o) !== MAGIC_U32) throw new FrameError('bad magic');
    if (b[o + 4] !== PROTOCOL_VERSION) throw new FrameError(`Unsupported protocol version: ${b[o + 4]}`);
    const flags = b[o + 5]!;
    // The CRC covers bytes 0..8 as sent, reserved bytes included (§1.2); with reserved = 0 it is a per-flags constant.
    const expected = b[o + 6] === 0 && b[o + 7] === 0 ? expectedHeaderCrc(flags) : crc32(b.subarray(o, o + 8));
    if (u32(b, o + 8) !== expected) throw new FrameError('header CRC mismatch');
    return {
      header: b,
      headerOffset: o,
      flags,
      payloadLength: u32(b, o + 32),
      payloadCrc: u32(b, o + 36),
      topicId: u32(b, o + 40),
    };
  }

  /** Removes `n` buffered bytes (n ≤ buffered) and returns them as views. */
  private take(n: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (n > 0) {
      const c = this.chunks[0]!;
      const avail = c.length - this.pos;
      const k = avail < n ? avail : n;
      out.push(this.pos === 0 && k === c.length ? c : c.subarray(this.pos, this.pos + k));
      this.advance(k);
      n -= k;
    }
    return out;
  }

  private advance(k: number): void {
    this.pos += k;
    this.buffered -= k;
    if (this.pos === this.chunks[0]!.length) {
      this.chunks.shift();
      this.pos = 0;
    }
  }

  private peekU32(at: number): number {
    let v = 0;
    for (let i = 0; i < 4; i++) v += this.peekByte(at + i) * 2 ** (8 * i);
    return v;
  }

  private peekByte(at: number): number {
    let i = 0;
    let o = this.pos + at;
    while (o >= this.chunks[i]!.length) {
      o -= this.chunks[i]!.length;
      i++;
    }
    return this.chunks[i]![o]!;
  }
}

/** The payload as one buffer (control payloads are small; ingests are never joined here). */
export function joinParts(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  return concat(parts, length);
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = Buffer.allocUnsafe(length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** CRC-32 continued over several views; initial state 0 is a fresh CRC (crc32fast semantics). */
function crc32Continue(part: Uint8Array, prev: number): number {
  return nodeRsCrc32.crc32(part as Buffer, prev) >>> 0;
}
