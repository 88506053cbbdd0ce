/**
 * One topic's stored bytes, as segments (PROTOCOL.md §2.3.11, §2.5).
 *
 * A fetch offset is a byte position in the concatenation of the segments that are present, so when
 * retention deletes head segments every offset shifts down by the deleted size: we compute offsets
 * from the present segments only and keep no log start offset, exactly like the server.
 *
 * Payloads are kept as the views the socket delivered (no copy on ingest); a read concatenates only
 * the bytes it returns. Segments rotate once they reach `segmentMaxBytes` (the server's
 * `io.segment_max_size`, 1 GiB by default); an ingest payload is never split across segments.
 * Persistence (files) is delegated to a `SegmentSink`.
 */
import { nowNs } from './clock.js';

export class Segment {
  /** Byte index of the segment's first byte in the topic's whole history (file name part 1). */
  readonly startIndex: number;
  readonly startTsNs: bigint;
  /** Set when the segment is closed (rotated, or on a clean shutdown). */
  endTsNs: bigint | undefined;
  size = 0;
  readonly chunks: Uint8Array[] = [];
  /** `ends[i]` = size of the segment up to and including `chunks[i]`. */
  readonly ends: number[] = [];

  constructor(startIndex: number, startTsNs: bigint, endTsNs?: bigint) {
    this.startIndex = startIndex;
    this.startTsNs = startTsNs;
    this.endTsNs = endTsNs;
  }

  get closed(): boolean {
    return this.endTsNs !== undefined;
  }

  push(part: Uint8Array): void {
    this.size += part.length;
    this.chunks.push(part);
    this.ends.push(this.size);
  }

  /** Copies `[from, from + n)` of this segment into `out` at `at`. */
  copy(from: number, n: number, out: Uint8Array, at: number): void {
    let i = firstEndAbove(this.ends, from);
    let start = i === 0 ? 0 : this.ends[i - 1]!;
    while (n > 0) {
      const c = this.chunks[i]!;
      const o = from - start;
      const k = Math.min(c.length - o, n);
      out.set(o === 0 && k === c.length ? c : c.subarray(o, o + k), at);
      at += k;
      from += k;
      n -= k;
      start = this.ends[i]!;
      i++;
    }
  }
}

/** Index of the first element of the ascending `ends` that is > x. */
function firstEndAbove(ends: readonly number[], x: number): number {
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Persistence hooks for one topic; the memory storage implements them as no-ops. */
export interface SegmentSink {
  opened(segment: Segment): void;
  appended(segment: Segment, parts: readonly Uint8Array[]): void;
  closed(segment: Segment): void;
  deleted(segment: Segment): void;
}

export const NULL_SINK: SegmentSink = {
  opened() {},
  appended() {},
  closed() {},
  deleted() {},
};

export class TopicLog {
  readonly segments: Segment[];
  private totalBytes: number;

  constructor(
    private readonly segmentMaxBytes: number,
    private readonly sink: SegmentSink = NULL_SINK,
    loaded: Segment[] = [],
  ) {
    this.segments = loaded;
    this.totalBytes = loaded.reduce((n, s) => n + s.size, 0);
  }

  /** Bytes currently stored: the end offset, and the value of a CatchingUp (§2.3.12). */
  get total(): number {
    return this.totalBytes;
  }

  append(parts: readonly Uint8Array[], length: number): void {
    let active = this.segments[this.segments.length - 1];
    if (active === undefined || active.closed) {
      const start = active === undefined ? 0 : active.startIndex + active.size;
      active = new Segment(start, nowNs());
      this.segments.push(active);
      this.sink.opened(active);
    }
    for (let i = 0; i < parts.length; i++) active.push(parts[i]!);
    this.totalBytes += length;
    this.sink.appended(active, parts);
    if (active.size >= this.segmentMaxBytes) this.closeActive();
  }

  /** Closes the active segment (rotation, or a clean shutdown). */
  closeActive(): void {
    const active = this.segments[this.segments.length - 1];
    if (active === undefined || active.closed) return;
    active.endTsNs = nowNs();
    this.sink.closed(active);
  }

  /** Number of bytes a read of `max` at `offset` returns (offset ≤ total). */
  readLength(offset: number, max: number): number {
    return Math.max(0, Math.min(max, this.totalBytes - offset));
  }

  /** Copies `n` bytes from `offset` into `out` at `at`, across segments (§2.3.11 step 4). */
  readInto(offset: number, n: number, out: Uint8Array, at: number): void {
    let base = 0;
    for (const s of this.segments) {
      if (n === 0) return;
      if (offset < base + s.size) {
        const from = offset - base;
        const k = Math.min(s.size - from, n);
        s.copy(from, k, out, at);
        at += k;
        offset += k;
        n -= k;
      }
      base += s.size;
    }
  }

  /** All stored bytes (tests and diagnostics). */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.totalBytes);
    this.readInto(0, this.totalBytes, out, 0);
    return out;
  }

  /** Deletes the first `count` segments (all closed, §2.5); returns the bytes removed. */
  deleteHead(count: number): number {
    let removed = 0;
    for (const s of this.segments.splice(0, count)) {
      removed += s.size;
      this.sink.deleted(s);
    }
    this.totalBytes -= removed;
    return removed;
  }

  /** Drops every segment's files (topic deletion). */
  dropAll(): void {
    this.deleteHead(this.segments.length);
  }
}
