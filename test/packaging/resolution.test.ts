/**
 * The package's entry points resolve for a consumer's TypeScript under each module resolution a
 * project may use: `module: commonjs` projects (ts-jest's default, older Nest templates) resolve
 * with node10, which ignores `exports`, so every subpath needs `typesVersions`. Runs the
 * built package (`npm ci` builds it: `prepare`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

const SETTINGS = [
  { module: 'commonjs', moduleResolution: 'node10' },
  { module: 'node16', moduleResolution: 'node16' },
  { module: 'esnext', moduleResolution: 'bundler' },
];

describe('a consumer project resolves lnc-client and its subpaths (wire, testing, otel)', () => {
  jest.setTimeout(60_000);
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lnc-resolution-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules/lnc-client'), 'dir');
    writeFileSync(
      join(dir, 'a.ts'),
      "import { Lance, ProducerConfig } from 'lnc-client';\nimport { LanceServer } from 'lnc-client/testing';\nimport { FrameDecoder, encodeFrame } from 'lnc-client/wire';\nimport { instrumentLance } from 'lnc-client/otel';\nexport const used = [Lance, ProducerConfig, LanceServer, FrameDecoder, encodeFrame, instrumentLance];\n",
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the package is built', () => {
    expect(existsSync(join(ROOT, 'dist/cjs/testing/index.d.ts'))).toBe(true);
  });

  it.each(SETTINGS)('module $module, moduleResolution $moduleResolution', (s) => {
    const config = {
      compilerOptions: { ...s, strict: true, noEmit: true, skipLibCheck: true, types: [] },
      files: ['a.ts'],
    };
    writeFileSync(join(dir, `tsconfig.${s.moduleResolution}.json`), JSON.stringify(config));
    const r = spawnSync(process.execPath, [TSC, '-p', `tsconfig.${s.moduleResolution}.json`], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
