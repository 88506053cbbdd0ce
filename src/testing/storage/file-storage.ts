/**
 * Append-only segment files under `<dataDir>/segments/`, laid out like the real server (PROTOCOL.md §2.5):
 *
 *   segments/<topic name>/metadata.json                    {"created_at","id","name","retention","topic_epoch"}
 *   segments/<topic name>/<start_index>_<start_ts_ns>.lnc              active segment
 *   segments/<topic name>/<start_index>_<start_ts_ns>-<end_ts_ns>.lnc  closed segment
 *   segments/0/...                                          legacy topic 0 (no metadata)
 *
 * Segment files hold nothing but the ingest payloads back to back (no header), so the byte offsets
 * a restarted server serves are the ones it served before. Appends are buffered in memory (they are
 * fetchable at once, read-uncommitted as on the server, §2.3.11 "Visibility") and written + fdatasync'ed
 * by `sync`, which the group committer calls before any ack is sent (§2.3.1 step 6, §6.3).
 *
 * At start-up every *active* segment is re-parsed as TLV and truncated at the first record that runs
 * past the end of the file (crash recovery, §2.5). A clean shutdown closes (renames) active segments,
 * so they are not rescanned. The whole topic is read back into memory: this is a test server.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { encodeServerJson, parseServerJson, type JsonValue } from '../../wire/index.js';
import { ReplyError } from '../errors.js';
import { validTlvPrefix } from '../recovery.js';
import { Segment, type SegmentSink } from '../topic-log.js';
import type { LoadedTopic, Storage, TopicMeta } from './storage.js';

const SEGMENT_NAME = /^(\d+)_(\d+)(?:-(\d+))?\.lnc$/;
const TOPIC0_DIR = '0';

interface SegmentFile {
  path: string;
  fd: number | undefined;
  pending: Uint8Array[];
  closeRequested: boolean;
}

class TopicFiles implements SegmentSink {
  readonly files = new Map<Segment, SegmentFile>();

  constructor(
    readonly dir: string,
    private readonly storage: FileStorage,
  ) {}

  opened(s: Segment): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, `${s.startIndex}_${s.startTsNs}.lnc`);
    this.files.set(s, { path, fd: fs.openSync(path, 'a'), pending: [], closeRequested: false });
    this.storage.dirtyDirs.add(this.dir);
  }

  appended(s: Segment, parts: readonly Uint8Array[]): void {
    const f = this.files.get(s);
    if (f === undefined) return;
    for (const p of parts) f.pending.push(p);
    this.storage.dirty.set(f, this);
  }

  closed(s: Segment): void {
    const f = this.files.get(s);
    if (f === undefined) return;
    f.closeRequested = true;
    f.path = this.closedPath(s, f);
    this.storage.dirty.set(f, this);
  }

  deleted(s: Segment): void {
    const f = this.files.get(s);
    if (f === undefined) return;
    this.files.delete(s);
    this.storage.dirty.delete(f);
    if (f.fd !== undefined) fs.closeSync(f.fd);
    // A rename may still be pending: the file is under its active name then.
    for (const p of [f.path, join(this.dir, `${s.startIndex}_${s.startTsNs}.lnc`)]) fs.rmSync(p, { force: true });
  }

  /** Target name of a closed segment; the rename itself happens in `flush`, after the last write. */
  private closedPath(s: Segment, f: SegmentFile): string {
    return f.fd === undefined ? f.path : join(this.dir, `${s.startIndex}_${s.startTsNs}-${s.endTsNs}.lnc`);
  }

  /** Writes pending bytes (no sync); true if there were any. */
  write(f: SegmentFile): boolean {
    if (f.fd === undefined || f.pending.length === 0) return false;
    const bufs = f.pending;
    f.pending = [];
    const expected = bufs.reduce((n, b) => n + b.length, 0);
    const written = fs.writevSync(f.fd, bufs as NodeJS.ArrayBufferView[]);
    if (written !== expected) throw new Error(`short write: ${written} of ${expected} bytes`);
    return true;
  }

  /** Writes pending bytes, fdatasyncs, and performs a requested close + rename. */
  flush(f: SegmentFile, s: Segment | undefined): void {
    if (f.fd === undefined) return;
    if (this.write(f)) fs.fdatasyncSync(f.fd);
    if (f.closeRequested) {
      fs.closeSync(f.fd);
      f.fd = undefined;
      const activePath = s === undefined ? f.path : join(this.dir, `${s.startIndex}_${s.startTsNs}.lnc`);
      if (activePath !== f.path) fs.renameSync(activePath, f.path);
      this.storage.dirtyDirs.add(this.dir);
    }
  }

  segmentOf(f: SegmentFile): Segment | undefined {
    for (const [s, g] of this.files) if (g === f) return s;
    return undefined;
  }

  closeAll(): void {
    for (const f of this.files.values()) {
      if (f.fd !== undefined) fs.closeSync(f.fd);
      f.fd = undefined;
    }
  }
}

export class FileStorage implements Storage {
  readonly root: string;
  readonly dirty = new Map<SegmentFile, TopicFiles>();
  readonly dirtyDirs = new Set<string>();
  private readonly topics = new Map<string, TopicFiles>();

  constructor(dataDir: string) {
    this.root = join(dataDir, 'segments');
    fs.mkdirSync(this.root, { recursive: true });
  }

  load(): LoadedTopic[] {
    const out: LoadedTopic[] = [];
    for (const entry of fs.readdirSync(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(this.root, entry.name);
      const metaPath = join(dir, 'metadata.json');
      let meta: TopicMeta | undefined;
      if (fs.existsSync(metaPath)) meta = parseMeta(fs.readFileSync(metaPath));
      else if (entry.name !== TOPIC0_DIR) continue;
      out.push({ meta, segments: this.loadSegments(dir) });
    }
    return out;
  }

  private loadSegments(dir: string): Segment[] {
    const files = this.topicFiles(dir);
    const found = fs
      .readdirSync(dir)
      .map((name) => ({ name, m: SEGMENT_NAME.exec(name) }))
      .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
      .map(({ name, m }) => ({
        name,
        start: BigInt(m[1]!),
        ts: BigInt(m[2]!),
        end: m[3] === undefined ? undefined : BigInt(m[3]),
      }))
      // (start_index, start_ts, closed-before-active), as the server orders them (§2.3.11).
      .sort(
        (a, b) =>
          cmp(a.start, b.start) || cmp(a.ts, b.ts) || (a.end === undefined ? 1 : 0) - (b.end === undefined ? 1 : 0),
      );
    const segments: Segment[] = [];
    found.forEach((x, i) => {
      const path = join(dir, x.name);
      let data: Uint8Array = fs.readFileSync(path);
      const last = i === found.length - 1;
      if (x.end === undefined) {
        // Crash recovery: an active segment is truncated after its last whole TLV record (§2.5).
        const valid = validTlvPrefix(data);
        if (valid < data.length) {
          fs.truncateSync(path, valid);
          data = data.subarray(0, valid);
        }
      }
      // Only the last active segment is appended to again; an older one (not produced by us) is read-only.
      const end = x.end ?? (last ? undefined : BigInt(Math.round(fs.statSync(path).mtimeMs * 1e6)));
      const s = new Segment(Number(x.start), x.ts, end);
      if (data.length > 0) s.push(data);
      segments.push(s);
      files.files.set(s, {
        path,
        fd: x.end === undefined && last ? fs.openSync(path, 'a') : undefined,
        pending: [],
        closeRequested: false,
      });
    });
    return segments;
  }

  sink(meta: TopicMeta | undefined): SegmentSink {
    return this.topicFiles(join(this.root, meta === undefined ? TOPIC0_DIR : meta.name));
  }

  private topicFiles(dir: string): TopicFiles {
    let t = this.topics.get(dir);
    if (t === undefined) {
      t = new TopicFiles(dir, this);
      this.topics.set(dir, t);
    }
    return t;
  }

  topicCreated(meta: TopicMeta): void {
    fs.mkdirSync(join(this.root, meta.name), { recursive: true });
    this.metaChanged(meta);
  }

  metaChanged(meta: TopicMeta): void {
    const dir = join(this.root, meta.name);
    const tmp = join(dir, 'metadata.json.tmp');
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, encodeServerJson(metaJson(meta)));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, join(dir, 'metadata.json'));
    this.dirtyDirs.add(dir);
  }

  topicDeleted(meta: TopicMeta): void {
    const dir = join(this.root, meta.name);
    this.topics.get(dir)?.closeAll();
    this.topics.delete(dir);
    this.dirtyDirs.delete(dir);
    try {
      // The server tries 5 times with 10–40 ms sleeps (§2.3.7).
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 4, retryDelay: 10 });
    } catch (err) {
      throw new ReplyError(`I/O error: ${(err as Error).message}`);
    }
  }

  sync(): void {
    for (const [f, t] of this.dirty) {
      this.dirty.delete(f);
      t.flush(f, t.segmentOf(f));
    }
    for (const dir of this.dirtyDirs) {
      this.dirtyDirs.delete(dir);
      if (!fs.existsSync(dir)) continue;
      const fd = fs.openSync(dir, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
  }

  close(clean: boolean, keepUnsynced = false): void {
    if (clean) this.sync();
    else if (keepUnsynced) for (const [f, t] of this.dirty) t.write(f);
    this.dirty.clear();
    for (const t of this.topics.values()) t.closeAll();
    this.topics.clear();
  }
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function metaJson(m: TopicMeta): JsonValue {
  return {
    created_at: m.createdAt,
    id: m.id,
    name: m.name,
    retention:
      m.retention === undefined ? null : { max_age_secs: m.retention.maxAgeSecs, max_bytes: m.retention.maxBytes },
    topic_epoch: 1,
  };
}

function parseMeta(bytes: Uint8Array): TopicMeta {
  const o = parseServerJson(bytes) as { [k: string]: JsonValue };
  const r = o['retention'] as { [k: string]: JsonValue } | null | undefined;
  return {
    id: Number(o['id']),
    name: String(o['name']),
    createdAt: Number(o['created_at']),
    retention: r
      ? {
          maxAgeSecs: BigInt(r['max_age_secs'] as number | bigint),
          maxBytes: BigInt(r['max_bytes'] as number | bigint),
        }
      : undefined,
  };
}
