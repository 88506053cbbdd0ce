/**
 * Recycled frame buffers. A batch needs `44 + batchSize` bytes at most; allocating that per batch
 * (hundreds of MB/s of short-lived ArrayBuffers) made garbage collection a fifth of the producer's
 * CPU at 1 KiB records. A buffer comes back only once its bytes have surely left the socket: when
 * the server answered for that batch (ack or attributed error). Frames that might still sit in a
 * socket's queue (resends, closes, lost sessions) are left to the GC.
 */
export class FramePool {
  private readonly free: Buffer[] = [];

  constructor(
    /** Size of every pooled buffer. */
    readonly capacity: number,
    /** Idle buffers kept at most (memory held beyond `bufferMemory` ≤ max × capacity). */
    private readonly max: number,
  ) {}

  /** A frame buffer of exactly `n` bytes; `pooled` says whether it may be given back. */
  take(n: number): { frame: Buffer; pooled: boolean } {
    if (n > this.capacity) return { frame: Buffer.allocUnsafe(n), pooled: false };
    const base = this.free.pop() ?? Buffer.allocUnsafeSlow(this.capacity);
    return { frame: n === this.capacity ? base : base.subarray(0, n), pooled: true };
  }

  /** Returns a frame obtained with `pooled: true`. */
  give(frame: Uint8Array): void {
    if (this.free.length < this.max) this.free.push(Buffer.from(frame.buffer, frame.byteOffset, this.capacity));
  }
}
