/**
 * Where a consumer starts (or re-seeks to). Offsets are byte offsets into the topic's log
 * (PROTOCOL.md §2.3.11), so `offset(n)` must land on a record boundary: a committed offset or a
 * record's `offset` / a batch's `endOffset` from an earlier read.
 */
import { InvalidArgumentError } from '../../wire/errors.js';
import { U64_MAX } from '../../wire/constants.js';

export type SeekPosition =
  { readonly kind: 'beginning' } | { readonly kind: 'end' } | { readonly kind: 'offset'; readonly offset: bigint };

const BEGINNING: SeekPosition = Object.freeze({ kind: 'beginning' });
const END: SeekPosition = Object.freeze({ kind: 'end' });

export const SeekPosition = {
  /** Byte 0 of the topic. */
  BEGINNING,
  /** The current end: only records written from now on (resolved with a Fetch at `u64::MAX`). */
  END,
  /** An absolute byte offset (a record boundary). */
  offset(offset: bigint | number): SeekPosition {
    const o = typeof offset === 'number' ? toBigInt(offset) : offset;
    // u64::MAX is the wire's tail sentinel: asking for it as a position would mean END.
    if (typeof o !== 'bigint' || o < 0n || o >= U64_MAX) {
      throw new InvalidArgumentError(`offset must be in [0, 2^64-2], got ${String(offset)}`);
    }
    return Object.freeze({ kind: 'offset', offset: o });
  },
} as const;

function toBigInt(n: number): bigint {
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`offset must be a safe integer, got ${n}`);
  return BigInt(n);
}

/** Accepts a position or a bare offset. */
export function toSeekPosition(from: SeekPosition | bigint | number | undefined, fallback: SeekPosition): SeekPosition {
  if (from === undefined) return fallback;
  if (typeof from === 'bigint' || typeof from === 'number') return SeekPosition.offset(from);
  return from;
}
