import type { Framing } from './fault-proxy-options.js';

/** Counts client → server frames of one connection across chunk boundaries. */
export class FrameCounter {
  frames = 0;
  /** Bytes left of the current frame once its header is known; 0 while reading a header. */
  private left = 0;
  private header: Buffer[] = [];
  private headerHave = 0;

  constructor(private readonly framing: Framing) {}

  /** Feeds `chunk`; returns the offset just after the frame that makes the count reach `n`, or -1. */
  feed(chunk: Buffer, n: number): number {
    let o = 0;
    while (o < chunk.length) {
      if (this.left === 0) {
        const take = Math.min(this.framing.headerBytes - this.headerHave, chunk.length - o);
        this.header.push(chunk.subarray(o, o + take));
        this.headerHave += take;
        o += take;
        if (this.headerHave < this.framing.headerBytes) return -1;
        const header = Buffer.concat(this.header);
        this.header = [];
        this.headerHave = 0;
        this.left = this.framing.frameBytes(header) - this.framing.headerBytes;
        if (this.left > 0) continue;
      } else {
        const take = Math.min(this.left, chunk.length - o);
        this.left -= take;
        o += take;
        if (this.left > 0) return -1;
      }
      this.left = 0;
      if (++this.frames >= n) return o;
    }
    return -1;
  }
}
