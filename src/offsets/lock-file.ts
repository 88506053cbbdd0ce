/**
 * A cross-process exclusive lock on a path, for the offset store's `topic-<t>-consumer-<c>.lock`.
 *
 * Node has no flock, so the lock is the *existence* of the file, and the file says who holds it:
 * JSON `{pid, host, start, token}`. It is created atomically *with* that content by writing a
 * private file and `link()`ing it to the lock path (link fails if the path exists), so no reader
 * ever sees a half-written lock. A lock is stale, and may be broken, when its holder provably
 * cannot be running: a dead pid on this host; our own pid but another process start time (a
 * restarted container is often pid 1 again); a file older than this boot; an unreadable holder
 * after a 1 s grace (the Rust store flocks and never deletes this path, so it leaves an empty
 * file); another host's lock after 10 s (a lock is held for one small write and two fsyncs).
 *
 * What it does not do: exclude a Rust process flocking the same path at the same moment (two
 * writers of one consumer name at once is a misuse anyway), or protect pid namespaces that share
 * a directory but not a hostname. Waiting for a live holder ends in OffsetStoreError after a timeout.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname, uptime } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { OffsetStoreError } from '../wire/errors.js';

const UNREADABLE_GRACE_MS = 1_000;
const FOREIGN_STALE_MS = 10_000;
/** How far apart two readings of one process's start time may be (clock granularity, rounding). */
const START_SLACK_MS = 2_000;

interface Owner {
  readonly pid: number;
  readonly host: string;
  /** Wall-clock start of the process, so a reused pid (container restart) is told apart. */
  readonly start: number;
  /** Per globalThis: tells worker threads of one process apart (ESM and CJS copies share it). */
  readonly token: string;
}

interface Shared {
  readonly token: string;
  readonly queues: Map<string, Promise<void>>;
}

// Shared through globalThis so the ESM and CJS copies of this module use one queue and one token.
const SHARED_KEY = Symbol.for('lnc-client.offsets.lock-file');
const shared: Shared = ((globalThis as Record<symbol, unknown>)[SHARED_KEY] ??= {
  token: randomBytes(8).toString('hex'),
  queues: new Map<string, Promise<void>>(),
}) as Shared;

const me: Owner = {
  pid: process.pid,
  host: hostname(),
  start: Math.round(Date.now() - process.uptime() * 1000),
  token: shared.token,
};

/** Run `fn` after every earlier call with the same key (in this process) has settled. */
export function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = shared.queues.get(key) ?? Promise.resolve();
  const result = previous.then(fn);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  shared.queues.set(key, tail);
  void tail.then(() => {
    if (shared.queues.get(key) === tail) shared.queues.delete(key);
  });
  return result;
}

/** Hold the lock at `lockPath` while `fn` runs; callers in this process queue up first. */
export function withLockFile<T>(lockPath: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  return serialized(lockPath, async () => {
    await acquire(lockPath, timeoutMs);
    try {
      return await fn();
    } finally {
      await release(lockPath);
    }
  });
}

/** Name for our private pre-link and broken-lock files; `isLockDebris` recognises them. */
const debrisPath = (lockPath: string): string => `${lockPath}.${process.pid}.${randomBytes(6).toString('hex')}`;

export const isLockDebris = (fileName: string): boolean => /\.lock\.\d+\.[0-9a-f]{12}$/.test(fileName);

/**
 * Remove a debris file left by a killed process, if whoever wrote it cannot still need it. One
 * killed between creating and filling it is empty: then the pid in its name decides. Removing one
 * a live process still uses costs it a retry at most (tryCreate and breakStale tolerate ENOENT).
 */
export async function sweepDebris(path: string): Promise<void> {
  const holder = await inspect(path);
  if (holder === undefined) return;
  const namePid = Number(/\.lock\.(\d+)\.[0-9a-f]+$/.exec(path)?.[1]);
  const stale = holder.owner === undefined && namePid > 0 && namePid !== me.pid ? !isAlive(namePid) : isStale(holder);
  if (stale) await unlink(path).catch(ignore('ENOENT'));
}

async function acquire(lockPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delayMs = 1;
  for (;;) {
    if (await tryCreate(lockPath)) return;
    const holder = await inspect(lockPath);
    if (holder !== undefined && isStale(holder)) {
      await breakStale(lockPath, holder.ino);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder?.owner ? `pid ${holder.owner.pid} on ${holder.owner.host}` : 'an unknown holder';
      throw new OffsetStoreError(`timed out after ${timeoutMs} ms waiting for ${lockPath}, held by ${who}`);
    }
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 50);
  }
}

async function tryCreate(lockPath: string): Promise<boolean> {
  const content = JSON.stringify(me) + '\n';
  const pending = debrisPath(lockPath);
  await writeFile(pending, content, { flag: 'wx' });
  try {
    await link(pending, lockPath);
    return true;
  } catch (err) {
    // ENOENT: a sweeper in another process took our pending file for debris; just try again.
    if (code(err) === 'EEXIST' || code(err) === 'ENOENT') return false;
    if (!NO_HARD_LINKS.has(code(err) ?? '')) throw err;
    // Filesystems without hard links (FAT, some network mounts): exclusive create, then write.
    // A reader may see it empty for a moment, which the unreadable-holder grace covers.
    try {
      await writeFile(lockPath, content, { flag: 'wx' });
      return true;
    } catch (err2) {
      if (code(err2) === 'EEXIST') return false;
      throw err2;
    }
  } finally {
    await unlink(pending).catch(ignore('ENOENT'));
  }
}

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

interface Holder {
  readonly ino: bigint;
  readonly mtimeMs: number;
  readonly owner: Owner | undefined;
}

/** Content and identity of a lock file read through one handle; undefined if it is gone. */
async function inspect(path: string): Promise<Holder | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const st = await handle.stat({ bigint: true });
    const text = await handle.readFile('utf8');
    return { ino: st.ino, mtimeMs: Number(st.mtimeMs), owner: parseOwner(text) };
  } finally {
    await handle.close();
  }
}

function parseOwner(text: string): Owner | undefined {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    const ok =
      Number.isSafeInteger(o.pid) &&
      (o.pid ?? 0) > 0 &&
      typeof o.host === 'string' &&
      Number.isFinite(o.start) &&
      typeof o.token === 'string';
    return ok ? (o as Owner) : undefined;
  } catch {
    return undefined;
  }
}

function isStale({ mtimeMs, owner }: Holder): boolean {
  const age = Date.now() - mtimeMs;
  if (owner === undefined) return age > UNREADABLE_GRACE_MS;
  if (owner.host !== me.host) return age > FOREIGN_STALE_MS;
  if (mtimeMs < Date.now() - uptime() * 1000 - START_SLACK_MS) return true; // before this boot: pids were reused
  if (owner.pid === me.pid) {
    // An earlier process with our pid is dead. Our own start time means this process: a worker
    // thread, or this module via another path spelling; waiting is the only safe answer.
    return Math.abs(owner.start - me.start) > START_SLACK_MS;
  }
  return !isAlive(owner.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return code(err) !== 'ESRCH'; // EPERM: it exists but belongs to another user
  }
}

/**
 * Remove a lock judged stale. Rename first, then check it is still the file we judged: between our
 * inspection and the rename another process may have broken it and taken the lock itself, and
 * unlinking by path would delete that live lock. If so, put it back.
 */
async function breakStale(lockPath: string, judgedIno: bigint): Promise<void> {
  const grave = debrisPath(lockPath);
  try {
    await rename(lockPath, grave);
  } catch (err) {
    if (code(err) === 'ENOENT') return;
    throw err;
  }
  try {
    const moved = await stat(grave, { bigint: true }).catch(ignore('ENOENT')); // swept already
    if (moved === undefined || moved.ino === judgedIno) return;
    await link(grave, lockPath).catch(ignore('EEXIST'));
  } finally {
    await unlink(grave).catch(ignore('ENOENT'));
  }
}

async function release(lockPath: string): Promise<void> {
  // Only delete it if it is still ours: if a peer broke it (e.g. after the foreign-host timeout),
  // the file now belongs to that peer.
  const holder = await inspect(lockPath);
  if (holder?.owner?.token === me.token && holder.owner.pid === me.pid) {
    await unlink(lockPath).catch(ignore('ENOENT'));
  }
}

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

const ignore =
  (...codes: string[]) =>
  (err: unknown): void => {
    if (!codes.includes(code(err) ?? '')) throw err;
  };

/** For tests: the content this process writes into a lock it holds. */
export const lockOwnerForTests = (): Readonly<Owner> => me;
