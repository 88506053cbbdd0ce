/** Options of {@link backoffDelay}. */
export interface BackoffDelayOptions {
  /** Ceiling of the first attempt's delay, in ms. Default 100 (the Python client's reconnect base). */
  readonly baseMs?: number;
  /** Cap of the ceiling, in ms. Default 30000 (both official clients). */
  readonly maxMs?: number;
  /** Source of randomness in [0, 1); inject a constant in tests. Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * The delay before retry number `attempt` (counted from 1): exponential backoff with full jitter,
 * `random() * min(maxMs, baseMs * 2^(attempt - 1))`.
 *
 * Full jitter (rather than the official clients' none, or the Python client's +10%) spreads the
 * reconnects of many clients that lost the same server at the same moment. Pure: no clock, no timer.
 * The result is not rounded; `timer()` accepts fractional milliseconds.
 *
 * @example
 * backoffDelay(3, { baseMs: 100, maxMs: 30_000, random: () => 0.5 }); // 0.5 * 400 = 200
 *
 * @param attempt 1 for the first retry; values below 1 are treated as 1.
 */
export function backoffDelay(attempt: number, opts: BackoffDelayOptions = {}): number {
  const { baseMs = 100, maxMs = 30_000, random = Math.random } = opts;
  // 2 ** n overflows to Infinity for huge attempts, which Math.min caps to maxMs: no NaN, no special case.
  const ceiling = Math.min(maxMs, baseMs * 2 ** (Math.max(1, attempt) - 1));
  return random() * ceiling;
}
