// Packs the package exactly as `npm publish` would (dist/ must be built already: `npm ci` runs
// `prepare`), then checks the tarball, not the working tree: `attw` resolves every subpath under
// node10, node16 (CJS and ESM) and bundler; `publint --strict` fails on warnings as well as errors.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'lnc-pack-'));
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });
try {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    encoding: 'utf8',
  });
  const tarball = join(dir, JSON.parse(out)[0].filename);
  run('npx', ['--no-install', 'attw', '--format', 'ascii', '--no-emoji', tarball]);
  run('npx', ['--no-install', 'publint', 'run', '--strict', '--pack', 'false', tarball]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
