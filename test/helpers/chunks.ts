/** Cuts `bytes` at the given positions (taken modulo its length + 1, deduplicated, sorted): a stream pushed in pieces. */
export function cutAt(bytes: Uint8Array, cutPoints: readonly number[]): Uint8Array[] {
  const points = [...new Set(cutPoints.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}
