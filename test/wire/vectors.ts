import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface VectorFrame {
  name: string;
  direction: string;
  fields: Record<string, unknown>;
  hex: string;
}

export interface Vectors {
  crc32: Record<string, string>;
  headerCrcByFlags: Record<string, string>;
  frames: VectorFrame[];
  lz4: { inputHex: string; rawBlockHex: string };
  negative: { name: string; hex: string; expect: string }[];
  consumerIdSipHash13: Record<string, string>;
}

/** The repository's copy of ../shared/lwp-vectors.json (a clone has no ../shared). */
export const vectors: Vectors = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'lwp-vectors.json'), 'utf8'),
) as Vectors;

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export function frameVector(name: string): VectorFrame {
  const v = vectors.frames.find((f) => f.name === name);
  if (!v) throw new Error(`no vector ${name}`);
  return v;
}
