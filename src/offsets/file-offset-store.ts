/**
 * Offsets on disk, laid out exactly like the Rust `LockFileOffsetStore` (PROTOCOL.md §7.6) so a
 * Rust and a TypeScript consumer of the same name resume from each other's commits:
 *
 *   <baseDir>/<consumerName>/topic-<t>-consumer-<c>.offset   "20\n"
 *
 * A save writes `….offset.tmp`, fsyncs it, renames it over `….offset` and fsyncs the directory,
 * holding `….lock` throughout (see lock-file.ts for why that is a pid file rather than a flock).
 * A crash therefore leaves either the old or the new offset, never a torn one.
 */
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ClosedError, InvalidArgumentError, isLanceError, OffsetStoreError } from '../wire/errors.js';
import { isLockDebris, serialized, sweepDebris, withLockFile } from './lock-file.js';
import { U64_MAX } from '../wire/constants.js';
import { checkTopicId, checkU64, type OffsetStore } from './offset-store.js';

export interface FileOffsetStoreOptions {
  /** How long a save waits for another live process holding the lock. Default 10 s. */
  readonly lockTimeoutMs?: number;
}

export class FileOffsetStore implements OffsetStore {
  private closed = false;
  private readonly pending = new Set<Promise<unknown>>();

  private constructor(
    /** Absolute `<baseDir>/<consumerName>`. */
    readonly dir: string,
    readonly consumerName: string,
    private readonly lockTimeoutMs: number,
  ) {}

  /** Validate the name, create the directory and clear lock debris left by killed processes. */
  static async open(
    baseDir: string,
    consumerName: string,
    options: FileOffsetStoreOptions = {},
  ): Promise<FileOffsetStore> {
    const dir = consumerDir(baseDir, consumerName);
    const lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
    if (!Number.isFinite(lockTimeoutMs) || lockTimeoutMs < 0) {
      throw new InvalidArgumentError(`lockTimeoutMs must be a non-negative number, got ${lockTimeoutMs}`);
    }
    try {
      await mkdir(dir, { recursive: true });
      for (const name of await readdir(dir)) {
        if (isLockDebris(name)) await sweepDebris(join(dir, name));
      }
    } catch (err) {
      throw wrap(`cannot open offset directory ${dir}`, err);
    }
    return new FileOffsetStore(dir, consumerName, lockTimeoutMs);
  }

  /** Path of the offset file for (topicId, consumerId), in the Rust store's naming. */
  offsetPath(topicId: number, consumerId: bigint): string {
    return join(this.dir, `topic-${topicId}-consumer-${consumerId}.offset`);
  }

  private lockPath(topicId: number, consumerId: bigint): string {
    return join(this.dir, `topic-${topicId}-consumer-${consumerId}.lock`);
  }

  load(topicId: number, consumerId: bigint): Promise<bigint | undefined> {
    return this.run(topicId, consumerId, async (path) => {
      // No file lock needed: the file is only ever replaced by rename, so a read sees a whole one.
      return serialized(this.lockPath(topicId, consumerId), () => readOffset(path));
    });
  }

  save(topicId: number, consumerId: bigint, offset: bigint): Promise<void> {
    return this.run(topicId, consumerId, async (path) => {
      checkU64('offset', offset);
      await withLockFile(this.lockPath(topicId, consumerId), this.lockTimeoutMs, () => this.write(path, offset));
    });
  }

  delete(topicId: number, consumerId: bigint): Promise<void> {
    return this.run(topicId, consumerId, async (path) => {
      await withLockFile(this.lockPath(topicId, consumerId), this.lockTimeoutMs, async () => {
        await unlink(path).catch(ignoreMissing);
        await unlink(`${path}.tmp`).catch(ignoreMissing);
        await syncDir(this.dir);
      });
    });
  }

  /** Waits for calls already made; nothing stays open between calls, so there is nothing else to free. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pending]);
  }

  private async write(path: string, offset: bigint): Promise<void> {
    const tmp = `${path}.tmp`;
    try {
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(`${offset}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, path);
      await syncDir(this.dir);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  /** Common checks, error wrapping and tracking for close(). */
  private run<T>(topicId: number, consumerId: bigint, op: (path: string) => Promise<T>): Promise<T> {
    const task = (async () => {
      if (this.closed) throw new ClosedError(`offset store ${this.dir} is closed`);
      checkTopicId(topicId);
      checkU64('consumer id', consumerId);
      const path = this.offsetPath(topicId, consumerId);
      try {
        return await op(path);
      } catch (err) {
        throw wrap(`offset file ${path}`, err);
      }
    })();
    this.pending.add(task);
    void task.then(
      () => this.pending.delete(task),
      () => this.pending.delete(task),
    );
    return task;
  }
}

/** `<baseDir>/<name>`, refusing any name that is not exactly one path component below baseDir. */
export function consumerDir(baseDir: string, consumerName: string): string {
  const bad =
    typeof consumerName !== 'string' ||
    /^[. ]*$/.test(consumerName) || // "", ".", "..", and what Windows trims down to them
    /[/\\\0]/.test(consumerName);
  const base = resolve(baseDir);
  const dir = bad ? '' : resolve(base, consumerName);
  if (bad || dirname(dir) !== base || basename(dir) !== consumerName) {
    throw new InvalidArgumentError(`consumer name ${JSON.stringify(consumerName)} is not a plain directory name`);
  }
  return dir;
}

/** Parse an offset file the way Rust writes it; anything else is corruption, never "start at 0". */
async function readOffset(path: string): Promise<bigint | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const match = /^([0-9]+)\s*$/.exec(text);
  const value = match?.[1] === undefined ? undefined : BigInt(match[1]);
  if (value === undefined || value > U64_MAX) {
    throw new OffsetStoreError(`corrupt offset file ${path}: ${JSON.stringify(text.slice(0, 40))}`);
  }
  return value;
}

/** Make the rename itself durable; filesystems that cannot fsync a directory are tolerated. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP') throw err;
  } finally {
    await handle.close();
  }
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}

function wrap(context: string, err: unknown): Error {
  if (isLanceError(err)) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new OffsetStoreError(`${context}: ${detail}`, { cause: err });
}
