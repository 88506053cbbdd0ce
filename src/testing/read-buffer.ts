/**
 * The server's per-connection read buffer sizing (PROTOCOL.md §1.4) and, in front of it, what has
 * arrived but not been read yet (our stand-in for the kernel's receive buffer, bounded so a client
 * that floods us meets TCP backpressure).
 */
import type { ServerFrameReader } from './frame-reader.js';

/** The server's read buffer at the start, and what it shrinks back to (`INITIAL_BUFFER_SIZE`, §1.4). */
export const READ_BUFFER_SIZE = 256 * 1024;
/** The buffer shrinks back once it is larger than this (and holds less than `READ_BUFFER_SIZE`). */
const SHRINK_ABOVE = 4 * READ_BUFFER_SIZE;
/** Bytes received but not yet read that we hold before pausing the socket. */
const INBOX_LIMIT = 1024 * 1024;

/** What one connection's read cycle has done so far (`LanceServer.connectionStats()`). */
export interface ConnectionStats {
  /** Reads taken (one per cycle of §6.2). */
  readonly reads: number;
  /** Bytes taken by the last read. */
  readonly lastReadBytes: number;
  /** Size of the read buffer now. */
  readonly readBufferBytes: number;
  /** Largest size the read buffer has had. */
  readonly peakReadBufferBytes: number;
}

export class ReadBuffer {
  private inbox: Buffer[] = [];
  private inboxBytes = 0;
  private capacity = READ_BUFFER_SIZE;
  private peakCapacity = READ_BUFFER_SIZE;
  private reads = 0;
  private lastReadBytes = 0;

  constructor(private readonly reader: ServerFrameReader) {}

  get stats(): ConnectionStats {
    return {
      reads: this.reads,
      lastReadBytes: this.lastReadBytes,
      readBufferBytes: this.capacity,
      peakReadBufferBytes: this.peakCapacity,
    };
  }

  get empty(): boolean {
    return this.inboxBytes === 0;
  }

  /** Whether the socket should be paused (or may be resumed): the inbox is over its bound. */
  get full(): boolean {
    return this.inboxBytes >= Math.max(INBOX_LIMIT, this.capacity);
  }

  receive(chunk: Buffer): void {
    this.inbox.push(chunk);
    this.inboxBytes += chunk.length;
  }

  /**
   * One read: what has arrived, up to the buffer's free space, moves into the frame reader (views,
   * no copy). A full buffer first grows to fit its head frame (`fn ensure_buffer_capacity`).
   * Returns the bytes taken.
   */
  read(): number {
    const reader = this.reader;
    if (reader.occupancy >= this.capacity) this.grow(reader.headFrameSize());
    let n = Math.min(this.inboxBytes, this.capacity - reader.occupancy);
    if (n <= 0) return 0; // cannot happen: a full buffer holds an incomplete head frame larger than it, and just grew
    this.reads++;
    this.lastReadBytes = n;
    this.inboxBytes -= n;
    while (n > 0) {
      const c = this.inbox[0]!;
      if (c.length <= n) {
        this.inbox.shift();
        reader.push(c);
        n -= c.length;
      } else {
        reader.push(c.subarray(0, n));
        this.inbox[0] = c.subarray(n);
        n = 0;
      }
    }
    return this.lastReadBytes;
  }

  /** `fn validate_and_grow_buffer`: grows to fit the head frame (taking effect at the next read). */
  fitHead(): void {
    this.grow(this.reader.headFrameSize());
  }

  /** `fn maybe_shrink_buffer`, after each consumed frame. */
  maybeShrink(): void {
    if (this.capacity > SHRINK_ABOVE && this.reader.occupancy < READ_BUFFER_SIZE) this.capacity = READ_BUFFER_SIZE;
  }

  clear(): void {
    this.inbox = [];
    this.inboxBytes = 0;
  }

  private grow(headFrameSize: number | undefined): void {
    if (headFrameSize === undefined || headFrameSize <= this.capacity) return;
    this.capacity = headFrameSize;
    if (headFrameSize > this.peakCapacity) this.peakCapacity = headFrameSize;
  }
}
