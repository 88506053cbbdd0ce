/**
 * Kill a committing process with SIGKILL at random moments: the offset file must always parse and
 * never go backwards, and whatever the dead process leaves (tmp file, lock, lock debris) must not
 * stop the next one.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileOffsetStore } from '../../src/offsets/file-offset-store';
import { transpileSrc } from '../helpers/transpile-src';

const WRITER = join(__dirname, 'fixtures/crash-writer.js');
const OFFSET_FILE = 'topic-1-consumer-7.offset';

let work: string;
let compiled: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'lnc-offsets-crash-'));
  compiled = join(transpileSrc(join(work, 'build')), 'offsets/file-offset-store.js');
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
  readonly stderr: string;
}

/** Start a writer; if `killAfterMs` is set, SIGKILL it that long after it reports its first commit. */
function runWriter(base: string, killAfterMs?: number, count?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const args = [WRITER, compiled, base, 'crashy', ...(count === undefined ? [] : [String(count)])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    const stuck = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('writer made no commit within 8 s (blocked by a stale lock?)'));
    }, 8_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => {
      clearTimeout(stuck);
      if (killAfterMs !== undefined) killTimer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(stuck);
      clearTimeout(killTimer);
      resolve({ code, signal, stderr });
    });
  });
}

/** The committed offset, read strictly: exactly digits and "\n", as written by save(). */
async function committed(base: string): Promise<bigint> {
  const text = await readFile(join(base, 'crashy', OFFSET_FILE), 'utf8');
  expect(text).toMatch(/^[0-9]+\n$/);
  return BigInt(text.trim());
}

it('survives 100 SIGKILLs mid-commit: the offset always parses and never goes backwards', async () => {
  const base = join(work, 'kills');
  let previous = 0n;
  let increased = 0;
  let locksLeft = 0;
  for (let i = 0; i < 100; i++) {
    const run = await runWriter(base, 1 + Math.random() * 29);
    expect({ signal: run.signal, stderr: run.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
    const now = await committed(base);
    expect(now).toBeGreaterThanOrEqual(previous);
    if (now > previous) increased++;
    previous = now;
    if ((await readdir(join(base, 'crashy'))).some((f) => f.endsWith('.lock'))) locksLeft++;
  }
  // Every run commits at least once before the kill timer starts, so progress is certain.
  expect(increased).toBe(100);

  // A clean process afterwards sees the last commit, and sweeps what the dead ones left.
  const store = await FileOffsetStore.open(base, 'crashy');
  expect(await store.load(1, 7n)).toBe(previous);
  await store.save(1, 7n, previous + 1n);
  expect(await readdir(store.dir)).toEqual([OFFSET_FILE]);
  await store.close();
  // Not asserted (timing-dependent), but it shows the stale-lock path was exercised.
  process.stdout.write(`crash test: ${locksLeft}/100 kills left a lock file; final offset ${previous + 1n}\n`);
}, 90_000); // 100 node start-ups in a row: ~10 s on an idle 2-core machine, far more under load

it('two processes committing at once never tear the file', async () => {
  const base = join(work, 'contention');
  const runs = await Promise.all([runWriter(base, undefined, 200), runWriter(base, undefined, 200)]);
  for (const run of runs) expect(run).toEqual({ code: 0, signal: null, stderr: '' });
  expect(await committed(base)).toBeGreaterThanOrEqual(200n);
  expect(await readdir(join(base, 'crashy'))).toEqual([OFFSET_FILE]);
}, 15_000);
