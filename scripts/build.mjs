// Builds CommonJS and ESM copies with declarations, then marks each folder's module kind
// so Node resolves `dist/esm` as ESM and `dist/cjs` as CommonJS regardless of the root package.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
const tsc = 'node_modules/typescript/bin/tsc';
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.cjs.json'], { stdio: 'inherit' });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.esm.json'], { stdio: 'inherit' });
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
writeFileSync('dist/esm/package.json', JSON.stringify({ type: 'module' }) + '\n');
if (existsSync('dist/cjs/cli/bin.js')) chmodSync('dist/cjs/cli/bin.js', 0o755);
