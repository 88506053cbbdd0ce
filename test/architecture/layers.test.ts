/**
 * The layer map (ARCHITECTURE: cli → client → rx → transport → wire; offsets; testing imports only
 * wire) as a test: an import against it fails here, not in review. An arrow means "may import";
 * a layer may import what its arrows reach, transitively.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = join(__dirname, '../../src');

const MAY_IMPORT: Record<string, readonly string[]> = {
  wire: [],
  transport: ['wire'],
  offsets: ['wire'],
  // The consumer engine commits offsets (the store interface and the consumer id hash).
  rx: ['transport', 'wire', 'offsets'],
  client: ['rx', 'transport', 'wire', 'offsets'],
  // The embedded server must be testable by raw sockets alone: it shares only the codec.
  testing: ['wire'],
  // OpenTelemetry subscribes to the diagnostics channels by name; it needs their names and types only.
  otel: ['rx'],
  cli: ['client', 'rx', 'transport', 'wire', 'offsets', 'testing'],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const layerOf = (file: string): string => relative(SRC, file).split(sep)[0]!.replace(/\.ts$/, '');

/** Relative module specifiers of `import`/`export ... from` and `import()` in `source`. */
function specifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(
    /(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g,
  ))
    out.push((m[1] ?? m[2])!);
  return out;
}

describe('the layer map', () => {
  const violations: string[] = [];
  const all = files(SRC);

  it('finds the source files and their imports (the test itself works)', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(all.flatMap((f) => specifiers(readFileSync(f, 'utf8'))).length).toBeGreaterThan(400);
    expect(specifiers(`import { a } from './x.js';\nexport * from "../y/z.js";\nconst m = import('./w.js');`)).toEqual([
      './x.js',
      '../y/z.js',
      './w.js',
    ]);
  });

  it('every import goes along an arrow', () => {
    for (const file of all) {
      const from = layerOf(file);
      const allowed = MAY_IMPORT[from];
      if (allowed === undefined) continue; // src/index.ts: the package entry re-exports every layer
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const to = layerOf(resolve(dirname(file), spec));
        if (to !== from && !allowed.includes(to))
          violations.push(`${relative(SRC, file)} (${from}) imports ${spec} (${to})`);
      }
    }
    expect(violations).toEqual([]);
  });
});
