/**
 * A CommonJS transpile of `src/` for child-process tests: children start as plain `node` in
 * milliseconds (ts-node would cost seconds each). No type checking: `npm test` does that.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Transpiles every file of src/ into `outRoot` (which gets a node_modules link) and returns `outRoot`. */
export function transpileSrc(outRoot: string): string {
  const src = join(ROOT, 'src');
  for (const file of sources(src)) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    const out = join(outRoot, relative(src, file).replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  symlinkSync(join(ROOT, 'node_modules'), join(outRoot, 'node_modules'), 'dir');
  return outRoot;
}
