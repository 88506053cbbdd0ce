/**
 * Issue 13 bullet 5: teardown never throws. Unsubscribing a `topic$` whose offset store was closed,
 * or whose directory was removed, used to throw ClosedError / OffsetStoreError as an uncaught
 * exception and kill the process. Run in a child process, since that is what an uncaught error kills.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transpileSrc } from '../helpers/transpile-src';

const CHILD = join(__dirname, 'fixtures/teardown-child.js');
let work: string;
let build: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'lnc-teardown-'));
  build = transpileSrc(join(work, 'build'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runChild(mode: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, build, mode, join(work, `offsets-${mode}`)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const stuck = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(stuck);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('unsubscribing a topic$ whose offset store refuses the final commit', () => {
  jest.setTimeout(30_000);

  it.each([
    ['closed-store', 'ClosedError'],
    ['removed-dir', 'OffsetStoreError'],
  ])('%s: the process lives on and the failure is reported as a warning', async (mode, errorName) => {
    const { code, stdout, stderr } = await runChild(mode);
    expect({ code, stdout }).toEqual({ code: 0, stdout: 'alive\n' });
    expect(stderr).toContain('LanceCommitWarning');
    expect(stderr).toContain(errorName);
  });
});
