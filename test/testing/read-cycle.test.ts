/**
 * The server's read cycle (PROTOCOL.md §1.4, §2.3.1 step 6, §6.2, §6.3), on a server with the default
 * (real) timing: one read of up to 256 KiB per cycle, every complete frame of it handled, one group
 * commit (5 ms gap) for its ingests, their acks written together, and only then the next read. A
 * frame larger than the buffer grows it, is read whole, and the buffer shrinks back past 1 MiB.
 */
import { performance } from 'node:perf_hooks';
import { LanceServer } from '../../src/testing';
import { Flags } from '../../src/wire';
import { createTopic, ingest } from './helpers/frames';
import { Harness } from './helpers/harness';
import type { RawClient } from './helpers/raw-client';

const KiB = 1024;
const READ = 256 * KiB;
const h = new Harness();
afterEach(() => h.cleanup());

/** A server with no timing options at all (5 ms / 4 MiB group commit), one raw client, topic 1. */
async function realServer(): Promise<{ server: LanceServer; c: RawClient }> {
  const server = await LanceServer.start();
  h.servers.push(server);
  const c = await h.connect(server);
  c.send(createTopic('t'));
  await c.nextOne();
  return { server, c };
}

/** An ingest whose frame is `wireBytes` long on the wire (44-byte header included), payload one TLV record. */
function frameOf(batchId: number, wireBytes: number): Uint8Array {
  const payload = Buffer.alloc(wireBytes - 44, batchId & 0xff);
  payload[0] = 0x01;
  payload.writeUInt32LE(payload.length - 5, 1);
  return ingest(batchId, 1, payload);
}

const until = async (cond: () => boolean, what: string): Promise<void> => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > 2000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
};

/**
 * Makes `bytes` sit complete at the server before it reads them, as "written at once" means on a
 * real server: the connection is held in its previous cycle (acks stalled, no reading, §6.2 step 4)
 * while they arrive, then released. Returns the release time.
 */
async function deliverWhileStalled(server: LanceServer, c: RawClient, bytes: Uint8Array[]): Promise<number> {
  server.faults.stallAcks();
  const commits = server.commits;
  c.send(frameOf(1000, 100));
  await until(() => server.commits > commits, 'the stalled cycle');
  c.send(...bytes);
  await new Promise((r) => setTimeout(r, 100)); // all of it is in the server's receive buffer
  const t = performance.now();
  server.faults.releaseAcks();
  expect((await c.nextOne()).batchId).toBe(1000n);
  return t;
}

describe('§6.2 read cycle with the real timing (256 KiB reads, 5 ms group commit)', () => {
  it('eight 32 KiB frames written at once are one read: one flush, then their eight acks in one burst', async () => {
    const { server, c } = await realServer();
    const frames = Array.from({ length: 8 }, (_, i) => frameOf(i + 1, 32 * KiB)); // 8 × 32,768 = 256 KiB exactly
    const reads = server.connectionStats()[0]!.reads;
    const t0 = await deliverWhileStalled(server, c, frames);
    const commits = server.commits;
    const acks = await c.next(8);
    const elapsed = performance.now() - t0;
    expect(acks.map((a) => [a.flags, Number(a.batchId)])).toEqual(frames.map((_, i) => [Flags.ACK, i + 1]));
    const burst = c.frameReads.slice(-8);
    expect(new Set(burst).size).toBe(1); // one socket write from the server
    expect(server.commits).toBe(commits + 1);
    const stats = server.connectionStats()[0]!;
    expect(stats.reads).toBe(reads + 2); // the stalled cycle's read, then this one
    expect(stats.lastReadBytes).toBe(READ);
    expect(elapsed).toBeGreaterThanOrEqual(4); // the 5 ms idle gap before the flush (timer granularity)

    // A frame written after that burst is a new cycle: a read, a flush and an ack of its own.
    const t1 = performance.now();
    c.send(frameOf(9, 32 * KiB));
    const ack9 = await c.nextOne();
    expect(Number(ack9.batchId)).toBe(9);
    expect(c.frameReads.at(-1)).toBeGreaterThan(burst[0]!);
    expect(server.commits).toBe(commits + 2);
    expect(server.connectionStats()[0]!.reads).toBe(reads + 3);
    expect(performance.now() - t1).toBeGreaterThanOrEqual(4);
    expect(server.topicBytes(1).length).toBe(100 - 44 + 9 * (32 * KiB - 44));
  });

  it('a read stops at 256 KiB: eight frames of 32 KiB payload (256 KiB + 352 bytes) take two cycles, 7 acks then 1', async () => {
    const { server, c } = await realServer();
    const frames = Array.from({ length: 8 }, (_, i) => ingest(i + 1, 1, frameOf(0, 32 * KiB + 44).subarray(44)));
    const reads = server.connectionStats()[0]!.reads;
    await deliverWhileStalled(server, c, frames);
    const commits = server.commits;
    const acks = await c.next(8);
    expect(acks.map((a) => Number(a.batchId))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const r = c.frameReads.slice(-8);
    expect(new Set(r.slice(0, 7)).size).toBe(1);
    expect(r[7]).toBeGreaterThan(r[0]!);
    expect(server.commits).toBe(commits + 2);
    const stats = server.connectionStats()[0]!;
    expect(stats.reads).toBe(reads + 3);
    expect(stats.lastReadBytes).toBe(8 * (32 * KiB + 44) - READ); // the rest of frame 8
  });

  it('a frame larger than 256 KiB is read whole: the buffer grows to fit it, and past 1 MiB shrinks back', async () => {
    const { server, c } = await realServer();
    const big = frameOf(1, 2 * 1024 * KiB + 44); // 2 MiB payload
    const commits = server.commits;
    c.send(big);
    const ack = await c.nextOne(5000);
    expect(Number(ack.batchId)).toBe(1);
    expect(server.commits).toBe(commits + 1); // one ingest, one flush: the reads before it held no complete frame
    expect(Buffer.from(server.topicBytes(1)).equals(Buffer.from(big.subarray(44)))).toBe(true);
    let stats = server.connectionStats()[0]!;
    expect(stats.peakReadBufferBytes).toBe(big.length);
    expect(stats.readBufferBytes).toBe(READ);

    // Back at 256 KiB: the next 256 KiB of frames are again one read.
    c.send(...Array.from({ length: 8 }, (_, i) => frameOf(i + 2, 32 * KiB)));
    await c.next(8);
    stats = server.connectionStats()[0]!;
    expect(stats.readBufferBytes).toBe(READ);
  });

  it('a buffer grown to no more than 1 MiB is kept (it only shrinks back once larger than 1 MiB)', async () => {
    const { server, c } = await realServer();
    const frame = frameOf(1, 512 * KiB + 44);
    c.send(frame);
    expect(Number((await c.nextOne()).batchId)).toBe(1);
    const stats = server.connectionStats()[0]!;
    expect(stats.peakReadBufferBytes).toBe(frame.length);
    expect(stats.readBufferBytes).toBe(frame.length);
  });
});
