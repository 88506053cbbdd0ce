/**
 * Recycled frame buffers, in two sizes: `44 + batchSize` for frames started while the producer is
 * idle, and `44 + maxRequestBytes` for frames packed while others are in flight. Allocating per
 * batch (hundreds of MB/s of short-lived ArrayBuffers) made garbage collection a fifth of the
 * producer's CPU at 1 KiB records. A buffer comes back only once its bytes have surely left the
 * socket: when the server answered for that batch (ack or attributed error). Frames that might
 * still sit in a socket's queue (resends, closes, lost sessions) are left to the GC.
 */
import { HEADER_SIZE } from '../../wire/constants.js';
import type { ResolvedProducerOptions } from './options.js';

type PoolSizing = Pick<ResolvedProducerOptions, 'batchSize' | 'maxPendingAcks' | 'maxRequestBytes' | 'bufferMemory'>;

/**
 * A producer's pool: a window's worth of small buffers; large ones, as many as `bufferMemory` lets
 * be in flight at once, plus the one being packed.
 */
export function producerFramePool(o: PoolSizing): FramePool {
  const large = Math.ceil(o.bufferMemory / o.maxRequestBytes) + 1;
  return new FramePool(HEADER_SIZE + o.batchSize, o.maxPendingAcks, HEADER_SIZE + o.maxRequestBytes, large);
}

export class FramePool {
  private readonly small: Buffer[] = [];
  private readonly large: Buffer[] = [];

  constructor(
    /** Size of the small buffers. */
    readonly capacity: number,
    /** Idle small buffers kept at most (memory held beyond `bufferMemory` ≤ max × capacity). */
    private readonly max: number,
    /** Size of the large buffers (equal to `capacity` when frames are never packed). */
    readonly largeCapacity: number = capacity,
    /** Idle large buffers kept at most. */
    private readonly largeMax: number = 0,
  ) {}

  /** A frame buffer of exactly `n` bytes; `pooled` says whether it may be given back. */
  take(n: number): { frame: Buffer; pooled: boolean } {
    let base: Buffer;
    if (n <= this.capacity) base = this.small.pop() ?? Buffer.allocUnsafeSlow(this.capacity);
    else if (n <= this.largeCapacity) base = this.large.pop() ?? Buffer.allocUnsafeSlow(this.largeCapacity);
    else return { frame: Buffer.allocUnsafe(n), pooled: false };
    return { frame: n === base.length ? base : base.subarray(0, n), pooled: true };
  }

  /** Returns a frame obtained with `pooled: true`. Its ArrayBuffer's size says which list it joins. */
  give(frame: Uint8Array): void {
    const size = frame.buffer.byteLength;
    if (size === this.capacity) {
      if (this.small.length < this.max) this.small.push(Buffer.from(frame.buffer, 0, size));
    } else if (size === this.largeCapacity && this.large.length < this.largeMax) {
      this.large.push(Buffer.from(frame.buffer, 0, size));
    }
  }
}
