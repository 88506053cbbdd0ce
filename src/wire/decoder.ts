/**
 * Incremental frame decoder: push socket chunks of any size, get whole frames back.
 *
 * Checks, in the server's spirit (PROTOCOL.md §1.4): magic, version and header CRC as soon as those
 * bytes arrive (so garbage fails fast instead of waiting for 44 bytes), then the payload length
 * against a limit before a single payload byte is buffered (a lying peer cannot make us allocate),
 * then the payload CRC when the payload is non-empty. Any failure throws `InvalidFrameError` and
 * leaves the decoder failed: a byte stream that lost sync cannot be trusted again.
 *
 * Payloads are views into the pushed chunks when a frame arrives whole; a frame split across
 * chunks is assembled into one buffer of exactly its size.
 *
 * The limit can grow, never shrink: a client that sends a Fetch for `max_bytes` expects a reply
 * payload of 16 + `max_bytes` (`allowPayload`), which for a fetch of 16 MiB is above the default
 * 16 MiB. Growth stops at `maxGrownPayloadLength`, so no request makes us accept an unbounded frame.
 */
import { DEFAULT_MAX_PAYLOAD, HEADER_SIZE, MAGIC, MAX_GROWN_PAYLOAD, PROTOCOL_VERSION } from './constants.js';
import { crc32 } from './crc.js';
import { InvalidFrameError } from './errors.js';
import { headerCrc, readHeader, type Frame, type RawHeader } from './frame.js';
import { allocUninitialized, readU32 } from './bytes.js';

export interface FrameDecoderOptions {
  /** Largest payload accepted, in bytes. Default 16 MiB, the server's own limit. */
  readonly maxPayloadLength?: number;
  /**
   * Ceiling of `allowPayload`: the limit never grows past this. Default the larger of
   * `maxPayloadLength` and 64 MiB + 16 (a FetchResponse of 64 MiB).
   */
  readonly maxGrownPayloadLength?: number;
}

export class FrameDecoder {
  private limit: number;
  readonly maxGrownPayloadLength: number;
  private readonly head = new Uint8Array(HEADER_SIZE);
  private headLength = 0;
  private header: RawHeader | undefined;
  private body: Uint8Array | undefined;
  private bodyLength = 0;
  private failure: InvalidFrameError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.limit = options.maxPayloadLength ?? DEFAULT_MAX_PAYLOAD;
    this.maxGrownPayloadLength = Math.max(this.limit, options.maxGrownPayloadLength ?? MAX_GROWN_PAYLOAD);
  }

  /** Largest payload accepted now, in bytes. */
  get maxPayloadLength(): number {
    return this.limit;
  }

  /**
   * Raises the limit to at least `payloadLength` (a reply we asked for, e.g. a FetchResponse),
   * within `maxGrownPayloadLength`; never lowers it. Returns the limit now in force, which is below
   * `payloadLength` when the ceiling stopped it (the caller should then ask for less).
   */
  allowPayload(payloadLength: number): number {
    if (payloadLength > this.limit) this.limit = Math.min(payloadLength, this.maxGrownPayloadLength);
    return this.limit;
  }

  /** Bytes held for a frame that is not complete yet. */
  get bufferedBytes(): number {
    return this.headLength + this.bodyLength;
  }

  /** The frames completed by `chunk`; throws `InvalidFrameError` if the chunk holds a bad frame. */
  push(chunk: Uint8Array): Frame[] {
    const { frames, error } = this.pushAll(chunk);
    if (error) throw error;
    return frames;
  }

  /**
   * Like `push`, but returns the good frames that came before a bad one in the same chunk together
   * with the error, so a caller can still act on them (an ack just before garbage is a real ack).
   */
  pushAll(chunk: Uint8Array): { frames: Frame[]; error?: InvalidFrameError } {
    if (this.failure) return { frames: [], error: this.failure };
    const frames: Frame[] = [];
    try {
      this.decode(chunk, frames);
      return { frames };
    } catch (err) {
      this.failure = err instanceof InvalidFrameError ? err : new InvalidFrameError(String(err), { cause: err });
      return { frames, error: this.failure };
    }
  }

  private decode(chunk: Uint8Array, frames: Frame[]): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.header !== undefined) {
        pos = this.fillBody(chunk, pos, frames);
        continue;
      }
      if (this.headLength === 0 && chunk.length - pos >= HEADER_SIZE) {
        // Fast path: the whole header, and often the whole frame, is in this chunk.
        const header = this.checkHeader(chunk, pos);
        const end = pos + HEADER_SIZE + header.payloadLength;
        if (end <= chunk.length) {
          frames.push(this.finish(header, chunk.subarray(pos + HEADER_SIZE, end)));
          pos = end;
        } else {
          this.startBody(header);
          pos += HEADER_SIZE;
        }
        continue;
      }
      const n = Math.min(HEADER_SIZE - this.headLength, chunk.length - pos);
      this.head.set(chunk.subarray(pos, pos + n), this.headLength);
      this.headLength += n;
      pos += n;
      if (this.headLength < HEADER_SIZE) {
        checkPrefix(this.head, this.headLength);
        break;
      }
      const header = this.checkHeader(this.head, 0);
      this.headLength = 0;
      if (header.payloadLength === 0) frames.push(this.finish(header, new Uint8Array(0)));
      else this.startBody(header);
    }
  }

  private checkHeader(b: Uint8Array, o: number): RawHeader {
    checkPrefix(o === 0 ? b : b.subarray(o, o + 8), 8);
    // Reserved bytes are covered by the CRC but not interpreted (§1.4 step 8); the cached value
    // is only valid when they are zero, as every known sender writes them.
    const expected = b[o + 6] === 0 && b[o + 7] === 0 ? headerCrc(b[o + 5]!) : crc32(b.subarray(o, o + 8));
    if (readU32(b, o + 8) !== expected) throw new InvalidFrameError('header CRC mismatch');
    const header = readHeader(b, o);
    if (header.payloadLength > this.limit) {
      throw new InvalidFrameError(`payload length ${header.payloadLength} exceeds the limit of ${this.limit} bytes`);
    }
    return header;
  }

  private startBody(header: RawHeader): void {
    this.header = header;
    this.body = allocUninitialized(header.payloadLength);
    this.bodyLength = 0;
  }

  private fillBody(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    const body = this.body!;
    const n = Math.min(body.length - this.bodyLength, chunk.length - pos);
    body.set(chunk.subarray(pos, pos + n), this.bodyLength);
    this.bodyLength += n;
    if (this.bodyLength === body.length) {
      const header = this.header!;
      this.header = undefined;
      this.body = undefined;
      this.bodyLength = 0;
      frames.push(this.finish(header, body));
    }
    return pos + n;
  }

  private finish(header: RawHeader, payload: Uint8Array): Frame {
    if (payload.length > 0 && crc32(payload) !== header.payloadCrc) {
      throw new InvalidFrameError('payload CRC mismatch');
    }
    return {
      flags: header.flags,
      batchId: header.batchId,
      timestampNs: header.timestampNs,
      recordCount: header.recordCount,
      topicId: header.topicId,
      payload,
    };
  }
}

/** Rejects a header whose first `n` (≤ 8) bytes already disagree with magic or version. */
function checkPrefix(b: Uint8Array, n: number): void {
  const m = Math.min(n, 4);
  for (let i = 0; i < m; i++) {
    if (b[i] !== MAGIC[i]) throw new InvalidFrameError('bad magic (expected "LANC")');
  }
  if (n > 4 && b[4] !== PROTOCOL_VERSION) throw new InvalidFrameError(`unsupported protocol version ${b[4]}`);
}
