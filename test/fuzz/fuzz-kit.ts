/**
 * Shared pieces of the fuzz suite.
 *
 * FUZZ_RUNS: number of runs per property. Default 200 (part of `npm test`, each property well under
 * a few seconds). Long mode, e.g. before a release:
 *
 *   FUZZ_RUNS=100000 npx jest test/fuzz
 *
 * (the Jest timeout of the fuzz tests scales with it). FUZZ_SEED=<n> replays a run with fast-check's
 * seed (fast-check prints it with any counterexample).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { isLanceError } from '../../src/wire/errors';

export const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 200) || 200);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** fast-check parameters for every property of the suite. */
export const params = (scale = 1): fc.Parameters<unknown> => ({
  numRuns: Math.max(1, Math.round(RUNS * scale)),
  ...(SEED === undefined ? {} : { seed: SEED }),
});
/** Jest timeout for one property: a few seconds by default, scaled in long mode. */
export const TIMEOUT_MS = Math.max(10_000, RUNS * 20);

// ----- vectors --------------------------------------------------------------------------------------

interface VectorFrame {
  readonly name: string;
  readonly hex: string;
  readonly fields: { readonly flags: number; readonly command?: number };
}
interface Vectors {
  readonly frames: readonly VectorFrame[];
  readonly negative: readonly { readonly name: string; readonly hex: string }[];
  readonly lz4: { readonly inputHex: string; readonly rawBlockHex: string };
}

export const vectors: Vectors = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'lwp-vectors.json'), 'utf8'),
) as Vectors;

export const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

/** Every vector frame's bytes (header + payload). */
export const vectorFrames: readonly Uint8Array[] = vectors.frames.map((f) => fromHex(f.hex));

/** The payloads of the vector frames carrying control command `command`. */
export function vectorPayloads(command: number): Uint8Array[] {
  return vectors.frames
    .filter((f) => f.fields.flags === 0x40 && f.fields.command === command)
    .map((f) => fromHex(f.hex).subarray(44));
}

// ----- mutations ------------------------------------------------------------------------------------

/** Values that break length fields: zero, one, sign bit, all ones, just past 16 MiB, ... */
const INTERESTING_U32 = [
  0,
  1,
  4,
  5,
  15,
  16,
  17,
  0x7f,
  0xff,
  0xffff,
  0x7fff_ffff,
  0x8000_0000,
  0xffff_fffe,
  0xffff_ffff,
  16 * 1024 * 1024,
  16 * 1024 * 1024 + 1,
];

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'extend'; readonly bytes: Uint8Array }
  | { readonly kind: 'u32'; readonly at: number; readonly value: number }
  | { readonly kind: 'u32rel'; readonly at: number; readonly delta: number }
  | { readonly kind: 'splice'; readonly at: number; readonly bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({
    kind: fc.constant('u32' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(...INTERESTING_U32), fc.integer({ min: 0, max: 0xffff_ffff })),
  }),
  fc.record({ kind: fc.constant('u32rel' as const), at: fc.nat(), delta: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
);

function applyOne(b: Uint8Array, m: Mutation): Uint8Array {
  const n = b.length;
  switch (m.kind) {
    case 'flip': {
      if (n === 0) return b;
      const out = b.slice();
      out[m.at % n]! ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      if (n === 0) return b;
      const out = b.slice();
      out[m.at % n] = m.value;
      return out;
    }
    case 'truncate':
      return b.slice(0, m.at % (n + 1));
    case 'extend': {
      const out = new Uint8Array(n + m.bytes.length);
      out.set(b);
      out.set(m.bytes, n);
      return out;
    }
    case 'u32':
    case 'u32rel': {
      if (n < 4) return b;
      const out = b.slice();
      const at = m.at % (n - 3);
      const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
      const v = m.kind === 'u32' ? m.value : (dv.getUint32(at, true) + m.delta) >>> 0;
      dv.setUint32(at, v, true);
      return out;
    }
    case 'splice': {
      const at = m.at % (n + 1);
      const out = new Uint8Array(n + m.bytes.length);
      out.set(b.subarray(0, at));
      out.set(m.bytes, at);
      out.set(b.subarray(at), at + m.bytes.length);
      return out;
    }
  }
}

/** `seeds`, each mutated 1–4 times (bit flips, truncations, extensions, length-field overwrites). */
export function mutated(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  if (seeds.length === 0) throw new Error('no seeds');
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([seed, ms]) => ms.reduce(applyOne, seed));
}

/** Random bytes, or mutated seeds, or seeds as they are. */
export function hostileBytes(seeds: readonly Uint8Array[], maxLength = 256): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength }) },
    { weight: 5, arbitrary: mutated(seeds) },
    { weight: 1, arbitrary: fc.constantFrom(...seeds) },
  );
}

// ----- the verdict --------------------------------------------------------------------------------

/**
 * Runs `fn`: a value, or a typed `LanceError`, is fine; any other exception (TypeError, RangeError,
 * SyntaxError, a string...) fails the property with a description.
 */
export function typedOrValue<T>(
  fn: () => T,
): { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Error } {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    if (isLanceError(err)) return { ok: false, error: err };
    throw new Error(`untyped exception: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, {
      cause: err,
    });
  }
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
