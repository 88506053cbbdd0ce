/**
 * Storage (PROTOCOL.md §2.5, §2.3.11): data-dir persistence across restarts at the same offsets,
 * crash recovery truncating active segments at the first TLV record that runs past the end,
 * segment rotation and retention deleting whole closed segments (shifting offsets).
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LanceServer } from '../../src/testing';
import { decodeFetchResponse, U64_MAX } from '../../src/wire';
import {
  createTopic,
  createTopicWithRetention,
  deleteTopic,
  fetch,
  ingest,
  json,
  listTopics,
  setRetention,
  tlv,
} from './helpers/frames';
import { Harness } from './helpers/harness';

const h = new Harness();
afterEach(() => h.cleanup());

const segmentFiles = (dir: string, topic: string) =>
  readdirSync(join(dir, 'segments', topic))
    .filter((f) => f.endsWith('.lnc'))
    .sort();

async function fetchAll(server: LanceServer, topicId: number) {
  const c = await h.connect(server);
  c.send(fetch(topicId, 0, 1 << 20));
  return Buffer.from(decodeFetchResponse((await c.nextOne()).payload).data);
}

describe('data dir (§2.5)', () => {
  it('a restarted server serves every acked byte at the same offset, keeps ids, names, created_at and retention', async () => {
    const dataDir = h.tempDir();
    const server = await h.start({ dataDir, groupCommitMs: 2 });
    const c = await h.connect(server);
    c.send(createTopic('alpha'), createTopicWithRetention('beta', 3600n, U64_MAX));
    const [alpha] = await c.next(2);
    const records = Array.from({ length: 50 }, (_, i) => tlv(`record-${i}`));
    c.send(...records.map((r, i) => ingest(i + 1, 1 + (i % 2), r)));
    await c.next(50);
    const before = [await fetchAll(server, 1), await fetchAll(server, 2)];
    await server.restart();
    expect([await fetchAll(server, 1), await fetchAll(server, 2)]).toEqual(before);
    expect(before[0]).toEqual(Buffer.concat(records.filter((_, i) => i % 2 === 0)));
    const d = await h.connect(server);
    d.send(listTopics(), createTopic('gamma'));
    const [list, gamma] = await d.next(2);
    expect(json(list!)['topics']).toEqual([
      { id: 1, name: 'alpha', created_at: json(alpha!)['created_at'], topic_epoch: 1 },
      { id: 2, name: 'beta', created_at: expect.any(Number), topic_epoch: 1 },
    ]);
    expect(json(gamma!)['id']).toBe(3);
    const meta = readFileSync(join(dataDir, 'segments', 'beta', 'metadata.json'), 'utf8');
    expect(meta).toMatch(/"id":2/);
    expect(meta).toContain('"retention":{"max_age_secs":3600,"max_bytes":18446744073709551615}');
    // A fresh process on the same dir sees the same thing (stop, then start).
    await server.stop();
    const again = await h.start({ dataDir });
    expect(Buffer.from(again.topicBytes(1))).toEqual(before[0]);
  });

  it('segment files hold the payloads back to back; a clean stop closes (renames) the active segment', async () => {
    const dataDir = h.tempDir();
    const server = await h.start({ dataDir });
    const c = await h.connect(server);
    c.send(createTopic('t'), ingest(1, 1, Buffer.from('not-tlv')), ingest(2, 0, tlv('zero')));
    await c.next(3);
    const [active] = segmentFiles(dataDir, 't');
    expect(active).toMatch(/^0_\d+\.lnc$/);
    expect(readFileSync(join(dataDir, 'segments', 't', active!)).toString()).toBe('not-tlv');
    expect(segmentFiles(dataDir, '0')).toHaveLength(1);
    await server.stop();
    expect(segmentFiles(dataDir, 't')[0]).toMatch(/^0_\d+-\d+\.lnc$/);
    // Closed segments are not rescanned: non-TLV bytes survive a clean restart.
    const again = await h.start({ dataDir });
    expect(Buffer.from(again.topicBytes(1)).toString()).toBe('not-tlv');
    expect(Buffer.from(again.topicBytes(0))).toEqual(Buffer.from(tlv('zero')));
  });

  it('DeleteTopic removes the topic directory', async () => {
    const dataDir = h.tempDir();
    const server = await h.start({ dataDir });
    const c = await h.connect(server);
    c.send(createTopic('gone'), ingest(1, 1, tlv('x')), deleteTopic(1));
    await c.next(3);
    expect(existsSync(join(dataDir, 'segments', 'gone'))).toBe(false);
  });
});

describe('crash recovery (§2.5, §4.1)', () => {
  it('truncates an active segment at the first TLV record that runs past the end of the file', async () => {
    const dataDir = h.tempDir();
    const server = await h.start({ dataDir });
    const c = await h.connect(server);
    const good = Buffer.concat([tlv('one'), tlv('two'), tlv(Buffer.alloc(3), 2)]);
    c.send(createTopic('t'), ingest(1, 1, good));
    await c.next(2);
    await server.stop({ crash: true });
    const [active] = segmentFiles(dataDir, 't');
    expect(active).toMatch(/^0_\d+\.lnc$/); // still active after a crash
    const path = join(dataDir, 'segments', 't', active!);
    appendFileSync(path, Buffer.from([0x01, 100, 0, 0, 0, 1, 2, 3])); // a record cut short by the crash
    const restarted = await h.start({ dataDir });
    expect(Buffer.from(restarted.topicBytes(1))).toEqual(good);
    expect(statSync(path).size).toBe(good.length);
    // Appends continue after the recovered data, at the same offsets.
    const d = await h.connect(restarted);
    d.send(ingest(2, 1, tlv('three')), fetch(1, good.length, 100));
    const [r] = await d.next(2); // the fetch reply overtakes the ack of the same read (§6.2)
    expect(Buffer.from(decodeFetchResponse(r!.payload).data)).toEqual(Buffer.from(tlv('three')));
  });

  it('reads 0xFF as a 7-byte extended header, and truncates non-TLV payloads (why payloads must be TLV)', async () => {
    const dataDir = h.tempDir();
    const server = await h.start({ dataDir });
    const c = await h.connect(server);
    const extended = Buffer.from([0xff, 0x01, 0x00, 2, 0, 0, 0, 0xaa, 0xbb]); // type 0xFF, ext 1, len 2
    c.send(createTopic('t'), ingest(1, 1, extended), ingest(2, 1, Buffer.from('test')));
    await c.next(3);
    await server.restart({ crash: true });
    expect(Buffer.from(server.topicBytes(1))).toEqual(extended); // 'test' = type 0x74 + 3 bytes of a length: cut
  });

  it('a crash loses bytes that were never synced (no ack was sent for them)', async () => {
    const dataDir = h.tempDir();
    const server = await h.start({ dataDir, groupCommitMs: 60_000 });
    const c = await h.connect(server);
    c.send(createTopic('t'), ingest(1, 1, tlv('unsynced')));
    await c.nextOne();
    await new Promise((r) => setTimeout(r, 30));
    expect(server.topicBytes(1)).toHaveLength(13); // visible before the ack (read-uncommitted, §2.3.11)
    await server.restart({ crash: true });
    expect(c.frames).toHaveLength(1);
    expect(server.topicBytes(1)).toHaveLength(0);
  });

  it('a process crash keeps what was written but not synced (the page cache survives); the ack is still lost', async () => {
    const dataDir = h.tempDir();
    const server = await h.start({ dataDir, groupCommitMs: 60_000 });
    const c = await h.connect(server);
    c.send(createTopic('t'), ingest(1, 1, tlv('written')), ingest(2, 1, tlv('twice')));
    await c.nextOne();
    await new Promise((r) => setTimeout(r, 30));
    await server.restart({ crash: 'process' });
    expect(c.frames).toHaveLength(1); // no ack was sent
    expect(Buffer.from(server.topicBytes(1))).toEqual(Buffer.concat([tlv('written'), tlv('twice')]));
  });
});

describe('segments and retention (§2.5)', () => {
  async function rotated(options: { dataDir?: string } = {}) {
    const server = await h.start({ segmentMaxBytes: 20, ...options });
    const c = await h.connect(server);
    c.send(createTopic('t'));
    await c.nextOne();
    const recs = ['aaaaa', 'bbbbb', 'ccccc', 'ddddd', 'eeeee'].map((s) => tlv(s)); // 10 bytes each
    c.send(...recs.map((r, i) => ingest(i + 1, 1, r)));
    await c.next(5);
    return { server, c, recs }; // segments: [a b] closed, [c d] closed, [e] active
  }

  it('no retention config → nothing deleted', async () => {
    const { server } = await rotated();
    expect(server.checkRetention()).toEqual({ segmentsDeleted: 0, bytesDeleted: 0 });
  });

  it('max_bytes deletes closed segments oldest-first while the total exceeds it; offsets shift down', async () => {
    const { server, c, recs } = await rotated();
    c.send(setRetention(1, 10_000_000_000n, 25n));
    await c.nextOne();
    expect(server.checkRetention()).toEqual({ segmentsDeleted: 2, bytesDeleted: 40 });
    c.send(fetch(1, 0, 100));
    expect(Buffer.from(decodeFetchResponse((await c.nextOne()).payload).data)).toEqual(Buffer.from(recs[4]!));
  });

  it('max_age_secs = 0 (or max_bytes = 0) deletes every closed segment, never the active one', async () => {
    const dataDir = h.tempDir();
    const { server, c, recs } = await rotated({ dataDir });
    expect(segmentFiles(dataDir, 't')).toHaveLength(3);
    c.send(setRetention(1, 0n, U64_MAX));
    await c.nextOne();
    expect(server.checkRetention().segmentsDeleted).toBe(2);
    expect(segmentFiles(dataDir, 't')).toHaveLength(1);
    expect(Buffer.from(server.topicBytes(1))).toEqual(Buffer.from(recs[4]!));
    await server.restart();
    expect(Buffer.from(server.topicBytes(1))).toEqual(Buffer.from(recs[4]!));
  });

  it('age: a closed segment expires once now − end_ts > max_age_secs', async () => {
    const { server, c } = await rotated();
    c.send(setRetention(1, 3600n, U64_MAX));
    await c.nextOne();
    expect(server.checkRetention().segmentsDeleted).toBe(0);
    expect(server.checkRetention(new Date(Date.now() + 3601_000)).segmentsDeleted).toBe(2);
  });

  it('runs by itself every retentionIntervalMs', async () => {
    const server = await h.start({ segmentMaxBytes: 10, retentionIntervalMs: 40 });
    const c = await h.connect(server);
    c.send(createTopicWithRetention('t', 10_000_000_000n, 0n), ingest(1, 1, tlv('xxxxx')), ingest(2, 1, tlv('yyyyy')));
    await c.next(3);
    expect(server.topicBytes(1)).toHaveLength(20);
    await new Promise((r) => setTimeout(r, 150));
    expect(server.topicBytes(1)).toHaveLength(0); // both segments were closed (each reached 10 bytes)
  });
});
