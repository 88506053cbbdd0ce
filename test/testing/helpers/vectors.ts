import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface VectorFrame {
  name: string;
  direction: string;
  hex: string;
}

/** The repository copy of lwp-vectors.json (never ../shared). */
const file = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'lwp-vectors.json'), 'utf8')) as {
  frames: VectorFrame[];
  negative: { name: string; hex: string }[];
};

export function vectorHex(name: string): string {
  const v = file.frames.find((f) => f.name === name) ?? file.negative.find((f) => f.name === name);
  if (!v) throw new Error(`no vector ${name}`);
  return v.hex;
}

export const vectorBytes = (name: string): Buffer => Buffer.from(vectorHex(name), 'hex');

export const serverToClientVectors = (): string[] =>
  file.frames.filter((f) => f.direction.includes('server->client')).map((f) => f.name);
