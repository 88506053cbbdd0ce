/** Client-side rules checked before anything reaches the wire (PROTOCOL.md §2.3.3, §2.5). */
import { U64_MAX } from './constants.js';
import { InvalidArgumentError, InvalidTopicNameError } from './errors.js';
import type { RetentionValues } from './payloads/topic.js';

const TOPIC_NAME = /^[A-Za-z0-9-]+$/;

export function isValidTopicName(name: string): boolean {
  return TOPIC_NAME.test(name);
}

export function validateTopicName(name: string): string {
  if (typeof name !== 'string' || !TOPIC_NAME.test(name)) {
    throw new InvalidTopicNameError(
      `invalid topic name ${JSON.stringify(name)}: only ASCII letters, digits and dashes are allowed, and it must not be empty`,
    );
  }
  return name;
}

/**
 * "No age limit". The server multiplies by 1e9 in u64, so anything above 18,446,744,073 s would
 * overflow; 10^10 s (317 years) is safely "never".
 */
export const NO_AGE_LIMIT = 10_000_000_000n;
export const MAX_AGE_SECS = 18_446_744_073n;
/** "No size limit". */
export const NO_BYTES_LIMIT = U64_MAX;

export interface RetentionOptions {
  readonly maxAgeSecs?: number | bigint;
  readonly maxBytes?: number | bigint;
}

/**
 * Turns optional limits into the two u64 the server stores. An omitted limit is "none"; an explicit 0
 * is refused, because to the server 0 means "delete every closed segment" (§2.5), not "unlimited".
 */
export function retentionValues(options: RetentionOptions): RetentionValues {
  return {
    maxAgeSecs: limit(options.maxAgeSecs, NO_AGE_LIMIT, MAX_AGE_SECS, 'maxAgeSecs'),
    maxBytes: limit(options.maxBytes, NO_BYTES_LIMIT, U64_MAX, 'maxBytes'),
  };
}

function limit(v: number | bigint | undefined, none: bigint, max: bigint, name: string): bigint {
  if (v === undefined) return none;
  if (typeof v === 'number' && !Number.isSafeInteger(v))
    throw new InvalidArgumentError(`${name} must be an integer, got ${v}`);
  const b = BigInt(v);
  if (b === 0n) {
    throw new InvalidArgumentError(
      `${name} = 0 would make the server delete all of the topic's closed segments on its next retention cycle; omit it for "no limit"`,
    );
  }
  if (b < 0n || b > max) throw new InvalidArgumentError(`${name} must be between 1 and ${max}, got ${b}`);
  return b;
}
