/** Little-endian integer access on plain Uint8Array views (no DataView allocation per call). */

export function readU16(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8)) >>> 0;
}

export function readU32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;
}

export function readU64(b: Uint8Array, o: number): bigint {
  const lo = readU32(b, o);
  const hi = readU32(b, o + 4);
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

export function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}

export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

export function writeU64(b: Uint8Array, o: number, v: bigint): void {
  writeU32(b, o, Number(v & 0xffff_ffffn));
  writeU32(b, o + 4, Number((v >> 32n) & 0xffff_ffffn));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Lossy, like the server's `String::from_utf8_lossy`. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function isU32(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
}

export function isU64(v: bigint): boolean {
  return v >= 0n && v <= 0xffff_ffff_ffff_ffffn;
}

/** For buffers whose every byte is written before use: skips the zero-fill that dominates large frames. */
export function allocUninitialized(n: number): Uint8Array {
  if (n < 4096) return new Uint8Array(n);
  const b = Buffer.allocUnsafeSlow(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

/** A command or type code as people read it in the protocol notes: `0x0a`. */
export function hexCode(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}
