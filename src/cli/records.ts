/**
 * Sequence-numbered records for `produce --count`, `bench` and the demo: an 8-byte little-endian
 * sequence number, then filler up to the requested size, so a reader can prove exactly-once.
 */
export function seqRecord(seq: number, size: number): Uint8Array {
  const r = new Uint8Array(Math.max(8, size));
  const v = new DataView(r.buffer);
  v.setUint32(0, seq >>> 0, true);
  v.setUint32(4, Math.floor(seq / 0x1_0000_0000), true);
  r.fill(0x61, 8);
  return r;
}

export function seqOf(value: Uint8Array): number {
  if (value.length < 8) return -1;
  const v = new DataView(value.buffer, value.byteOffset, 8);
  return v.getUint32(0, true) + v.getUint32(4, true) * 0x1_0000_0000;
}

/** Tracks which of `count` sequence numbers arrived, and how often. */
export class ExactlyOnce {
  private readonly seen: Uint8Array;
  unique = 0;
  duplicates = 0;
  foreign = 0;

  constructor(readonly count: number) {
    this.seen = new Uint8Array(count);
  }

  add(seq: number): void {
    if (seq < 0 || seq >= this.count) this.foreign++;
    else if (this.seen[seq]) this.duplicates++;
    else {
      this.seen[seq] = 1;
      this.unique++;
    }
  }

  get complete(): boolean {
    return this.unique === this.count;
  }

  get missing(): number {
    return this.count - this.unique;
  }
}
