import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClosedError, InvalidArgumentError, OffsetStoreError } from '../../src/wire/errors';
import { consumerIdFromName } from '../../src/offsets/consumer-id';
import { FileOffsetStore } from '../../src/offsets/file-offset-store';
import { lockOwnerForTests } from '../../src/offsets/lock-file';

const MY_ID = 18044035401257023742n; // consumerIdFromName('my-consumer'), PROTOCOL.md §7.6

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'lnc-offsets-'));
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

/** A pid that certainly belonged to a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  return child.pid ?? 999_999;
}

describe('FileOffsetStore layout (Rust LockFileOffsetStore compatible)', () => {
  it('writes <dir>/<name>/topic-<t>-consumer-<id>.offset containing "20\\n"', async () => {
    const store = await FileOffsetStore.open(base, 'my-consumer');
    expect(consumerIdFromName('my-consumer')).toBe(MY_ID);
    await store.save(1, MY_ID, 20n);
    const file = join(base, 'my-consumer', 'topic-1-consumer-18044035401257023742.offset');
    expect(store.offsetPath(1, MY_ID)).toBe(file);
    expect(await readFile(file, 'utf8')).toBe('20\n');
    expect(await readdir(join(base, 'my-consumer'))).toEqual(['topic-1-consumer-18044035401257023742.offset']);
    await store.close();
  });

  it('reads files written by the Rust client', async () => {
    const dir = join(base, 'rust-consumer');
    await mkdir(dir);
    await writeFile(join(dir, 'topic-3-consumer-99.offset'), '20\n');
    await writeFile(join(dir, 'topic-4-consumer-99.offset'), '18446744073709551615\n');
    await writeFile(join(dir, 'topic-5-consumer-99.offset'), '7');
    await writeFile(join(dir, 'topic-6-consumer-99.offset'), '007 \r\n');
    const store = await FileOffsetStore.open(base, 'rust-consumer');
    expect(await store.load(3, 99n)).toBe(20n);
    expect(await store.load(4, 99n)).toBe((1n << 64n) - 1n);
    expect(await store.load(5, 99n)).toBe(7n);
    expect(await store.load(6, 99n)).toBe(7n);
    expect(await store.load(7, 99n)).toBeUndefined();
    await store.close();
  });

  it('round-trips across reopen, keeps keys apart, overwrites and deletes', async () => {
    const a = await FileOffsetStore.open(base, 'c');
    await a.save(1, 23n, 5n);
    await a.save(12, 3n, 6n);
    await a.save(1, 23n, 4n); // a seek back is a legitimate commit
    await a.close();
    const b = await FileOffsetStore.open(base, 'c');
    expect(await b.load(1, 23n)).toBe(4n);
    expect(await b.load(12, 3n)).toBe(6n);
    await b.delete(1, 23n);
    await b.delete(1, 23n); // missing is fine
    expect(await b.load(1, 23n)).toBeUndefined();
    expect(await readdir(join(base, 'c'))).toEqual(['topic-12-consumer-3.offset']);
    await b.close();
  });
});

describe('FileOffsetStore corruption', () => {
  it.each([
    ['empty', ''],
    ['text', 'abc\n'],
    ['negative', '-1\n'],
    ['two numbers', '1 2\n'],
    ['trailing junk', '20\nxyz'],
    ['above u64', '18446744073709551616\n'],
    ['JSON (python client format)', '{"offset": 20}'],
  ])('%s → OffsetStoreError, never a silent restart', async (_label, content) => {
    const store = await FileOffsetStore.open(base, 'c');
    await writeFile(store.offsetPath(1, 2n), content);
    await expect(store.load(1, 2n)).rejects.toBeInstanceOf(OffsetStoreError);
    await store.close();
  });

  it('reports a path that is a directory as OffsetStoreError', async () => {
    const store = await FileOffsetStore.open(base, 'c');
    await mkdir(store.offsetPath(1, 2n));
    await expect(store.load(1, 2n)).rejects.toBeInstanceOf(OffsetStoreError);
    await expect(store.save(1, 2n, 3n)).rejects.toBeInstanceOf(OffsetStoreError);
    await store.close();
  });
});

describe('FileOffsetStore argument checks', () => {
  it.each(['', '.', '..', '...', ' ', 'a/b', '../x', '../../etc', '/abs', 'a\\b', '..\\x', 'a\0b', 'C:\\x'])(
    'rejects consumer name %j',
    async (name) => {
      await expect(FileOffsetStore.open(base, name)).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(await readdir(base)).toEqual([]);
    },
  );

  it.each(['my-consumer', 'with space', 'ünïcødé', '.hidden', 'a..b'])('accepts consumer name %j', async (name) => {
    const store = await FileOffsetStore.open(base, name);
    expect(store.dir).toBe(join(base, name));
    await store.save(1, 1n, 1n);
    expect(await readdir(base)).toEqual([name]);
    await store.close();
  });

  it('rejects offsets and ids outside their ranges without touching the disk', async () => {
    const store = await FileOffsetStore.open(base, 'c');
    await expect(store.save(1, 2n, -1n)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.save(1, 2n, 1n << 64n)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.save(1, -2n, 1n)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.save(2 ** 32, 2n, 1n)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.load(-1, 2n)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await readdir(join(base, 'c'))).toEqual([]);
    await store.close();
  });

  it('rejects calls after close, and close waits for pending saves', async () => {
    const store = await FileOffsetStore.open(base, 'c');
    const saving = store.save(1, 2n, 3n);
    await store.close();
    await expect(saving).resolves.toBeUndefined();
    expect(await readFile(store.offsetPath(1, 2n), 'utf8')).toBe('3\n');
    await expect(store.save(1, 2n, 4n)).rejects.toBeInstanceOf(ClosedError);
    await expect(store.load(1, 2n)).rejects.toBeInstanceOf(ClosedError);
  });
});

describe('FileOffsetStore concurrency', () => {
  it('concurrent saves end with the last value and leave no tmp or lock files', async () => {
    const store = await FileOffsetStore.open(base, 'c');
    const saves = Array.from({ length: 50 }, (_, i) => store.save(1, 2n, BigInt(i)));
    const loaded = store.load(1, 2n); // queued behind the saves: sees all of them
    await Promise.all(saves);
    expect(await loaded).toBe(49n);
    expect(await readFile(store.offsetPath(1, 2n), 'utf8')).toBe('49\n');
    expect(await readdir(store.dir)).toEqual(['topic-1-consumer-2.offset']);
    await store.close();
  });

  it('two stores on the same directory in one process interleave safely', async () => {
    const a = await FileOffsetStore.open(base, 'c');
    const b = await FileOffsetStore.open(join(base, '.', 'x', '..'), 'c'); // another spelling, same dir
    const saves = [];
    for (let i = 0; i < 20; i++) saves.push(a.save(1, 2n, BigInt(i)), b.save(1, 2n, BigInt(100 + i)));
    await Promise.all(saves);
    expect(await readFile(a.offsetPath(1, 2n), 'utf8')).toBe('119\n');
    expect(await readdir(a.dir)).toEqual(['topic-1-consumer-2.offset']);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('FileOffsetStore lock recovery', () => {
  const me = lockOwnerForTests();
  const lockOf = (store: FileOffsetStore): string => store.offsetPath(1, 2n).replace(/\.offset$/, '.lock');

  it('breaks a lock left by a dead process', async () => {
    const store = await FileOffsetStore.open(base, 'c');
    await writeFile(lockOf(store), JSON.stringify({ ...me, pid: deadPid(), start: 1, token: 'dead' }));
    await store.save(1, 2n, 9n);
    expect(await readdir(store.dir)).toEqual(['topic-1-consumer-2.offset']);
    await store.close();
  });

  it('breaks a lock left by an earlier process that had our pid (restarted container)', async () => {
    const store = await FileOffsetStore.open(base, 'c');
    await writeFile(lockOf(store), JSON.stringify({ ...me, start: me.start - 60_000, token: 'earlier' }));
    await store.save(1, 2n, 9n);
    expect(await store.load(1, 2n)).toBe(9n);
    await store.close();
  });

  it('breaks the empty lock file the Rust store leaves behind once it is not fresh', async () => {
    const store = await FileOffsetStore.open(base, 'c');
    await writeFile(lockOf(store), '');
    const past = new Date(Date.now() - 5_000);
    await utimes(lockOf(store), past, past);
    await store.save(1, 2n, 9n);
    expect(await store.load(1, 2n)).toBe(9n);
    await store.close();
  });

  it('waits for a live holder and gives up with OffsetStoreError', async () => {
    const store = await FileOffsetStore.open(base, 'c', { lockTimeoutMs: 150 });
    await store.save(1, 2n, 1n);
    const live = { pid: process.ppid, host: hostname(), start: me.start, token: 'live' };
    await writeFile(lockOf(store), JSON.stringify(live));
    await expect(store.save(1, 2n, 2n)).rejects.toThrow(/timed out.*held by pid/);
    await expect(store.save(1, 2n, 2n)).rejects.toBeInstanceOf(OffsetStoreError);
    expect(await store.load(1, 2n)).toBe(1n); // reads never need the lock
    expect(await readFile(lockOf(store), 'utf8')).toBe(JSON.stringify(live)); // not ours to remove
    await store.close();
  });

  it('sweeps lock debris of dead processes at open, but not fresh debris of live ones', async () => {
    const dir = join(base, 'c');
    await mkdir(dir);
    const dead = join(dir, `topic-1-consumer-2.lock.${deadPid()}.0123456789ab`);
    const live = join(dir, `topic-1-consumer-2.lock.${process.ppid}.ba9876543210`);
    await writeFile(dead, JSON.stringify({ ...me, pid: deadPid(), start: 1, token: 'dead' }));
    await writeFile(live, JSON.stringify({ ...me, pid: process.ppid, token: 'live' }));
    // Killed between creating its pending file and filling it: only the name says whose it was.
    await writeFile(join(dir, `topic-1-consumer-2.lock.${deadPid()}.cafecafecafe`), '');
    await writeFile(join(dir, 'topic-1-consumer-2.offset'), '5\n');
    const store = await FileOffsetStore.open(base, 'c');
    expect((await readdir(dir)).sort()).toEqual([
      'topic-1-consumer-2.lock.' + live.split('.lock.')[1],
      'topic-1-consumer-2.offset',
    ]);
    await store.close();
  });
});
