/** Wall-clock helpers. Segment names and retention ages are nanoseconds, `created_at` is seconds (§2.2, §2.5). */

/** Unix time in nanoseconds, with sub-millisecond resolution so "age > 0" holds right after a close. */
export function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

/** Unix time in whole seconds, as the server writes `created_at`. */
export function nowSecs(): number {
  return Math.floor(Date.now() / 1000);
}
