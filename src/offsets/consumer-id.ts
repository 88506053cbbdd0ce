/**
 * The consumer id the Rust client derives from a consumer name (PROTOCOL.md §7.6): Rust's
 * `DefaultHasher` over a `str`, i.e. SipHash-1-3 with keys (0, 0) over the UTF-8 bytes followed by
 * one 0xFF byte (Rust's `str` hashing appends it so that ("ab","c") and ("a","bc") differ).
 *
 * Rust documents that algorithm as unspecified; the vectors in lwp-vectors.json pin what it does in
 * practice. BigInt is slow but this runs once per consumer, so clarity wins over speed.
 */

const MASK = (1n << 64n) - 1n;

const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & MASK;

/** SipHash-1-3 (one compression round, three finalization rounds) as an unsigned 64-bit bigint. */
export function sipHash13(data: Uint8Array, k0 = 0n, k1 = 0n): bigint {
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;

  const round = (): void => {
    v0 = (v0 + v1) & MASK;
    v1 = rotl(v1, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK;
    v3 = rotl(v3, 16n) ^ v2;
    v0 = (v0 + v3) & MASK;
    v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & MASK;
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
  };

  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const whole = data.byteLength - (data.byteLength % 8);
  for (let i = 0; i < whole; i += 8) {
    const m = view.getBigUint64(i, true);
    v3 ^= m;
    round();
    v0 ^= m;
  }

  // Last block: the remaining bytes little-endian, with the total length (mod 256) in the top byte.
  let b = BigInt(data.byteLength & 0xff) << 56n;
  for (let i = whole; i < data.byteLength; i++) {
    b |= BigInt(data[i] ?? 0) << BigInt(8 * (i - whole));
  }
  v3 ^= b;
  round();
  v0 ^= b;

  v2 ^= 0xffn;
  round();
  round();
  round();
  return v0 ^ v1 ^ v2 ^ v3;
}

/** The u64 consumer id the Rust `StandaloneConsumer` uses for `name`; e.g. `my-consumer` → 18044035401257023742n. */
export function consumerIdFromName(name: string): bigint {
  const utf8 = new TextEncoder().encode(name);
  const bytes = new Uint8Array(utf8.length + 1);
  bytes.set(utf8);
  bytes[utf8.length] = 0xff;
  return sipHash13(bytes);
}
