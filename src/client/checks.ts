/** Argument checks shared by the config builders: a bad value fails at the builder, not at connect. */
import { InvalidArgumentError } from '../wire/errors.js';

export function duration(ms: number, what: string): number {
  if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms))
    throw new InvalidArgumentError(`${what} must be a number of ms >= 0, got ${ms}`);
  return ms;
}

/** A deadline: 0 would fail every request at once. */
export function positiveDuration(ms: number, what: string): number {
  if (!(ms > 0)) throw new InvalidArgumentError(`${what} must be > 0 ms, got ${ms}`);
  return ms;
}

export function positiveInt(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new InvalidArgumentError(`${what} must be a positive integer, got ${n}`);
  return n;
}
