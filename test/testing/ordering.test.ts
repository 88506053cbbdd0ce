/**
 * Ordering, correlation and group commit (PROTOCOL.md §6.2, §6.3, §2.3.1 step 6, §6.1): replies are
 * written as each frame is handled, acks of a read follow once durable, in submission order, and the
 * next read starts only after them.
 */
import { Flags } from '../../src/wire';
import { commandOfFrame, createTopic, errorText, fetch, ingest, keepalive, tlv } from './helpers/frames';
import { Harness } from './helpers/harness';

const h = new Harness();
afterEach(() => h.cleanup());

async function setup(groupCommitMs: number) {
  const server = await h.start({ groupCommitMs });
  const c = await h.connect(server);
  c.send(createTopic('a'), createTopic('b'));
  await c.next(2);
  return { server, c };
}

const describeFrame = (f: { flags: number; batchId: bigint }) =>
  f.flags === Flags.ACK
    ? `ack ${f.batchId}`
    : f.flags === Flags.KEEPALIVE
      ? 'keepalive'
      : `control 0x${commandOfFrame(f as never).toString(16)}`;

describe('§6.2 ordering', () => {
  it.each([0, 20])(
    'control replies, keepalive echoes and ingest errors of a read overtake its acks (groupCommitMs %i)',
    async (gap) => {
      const { c } = await setup(gap);
      c.send(ingest(1, 1, tlv('x')), ingest(2, 2, tlv('y')), keepalive(), ingest(3, 99, tlv('z')), fetch(1, 0, 100));
      const frames = await c.next(5);
      expect(frames.map(describeFrame)).toEqual(['keepalive', 'control 0xff', 'control 0x11', 'ack 1', 'ack 2']);
      expect(errorText(frames[1]!)).toBe('Unknown topic');
    },
  );

  it('acks come in submission order, across topics, whatever the batch ids', async () => {
    const { c } = await setup(0);
    const ids = [900, 5, 77, 5, 1, 300];
    c.send(...ids.map((id, i) => ingest(id, 1 + (i % 2), tlv(`r${i}`))));
    expect((await c.next(ids.length)).map((f) => Number(f.batchId))).toEqual(ids);
  });

  it('the next read is handled only after the acks of the previous one are written', async () => {
    const { c } = await setup(150);
    const t0 = Date.now();
    c.send(ingest(1, 1, tlv('x')));
    await new Promise((r) => setTimeout(r, 30));
    c.send(keepalive()); // a separate read: waits behind the pending ack
    const [first, second] = await c.next(2);
    expect(describeFrame(first!)).toBe('ack 1');
    expect(describeFrame(second!)).toBe('keepalive');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('a client that half-closes right after sending still gets the acks of that read', async () => {
    const { c } = await setup(30);
    c.send(ingest(1, 1, tlv('x')), ingest(2, 1, tlv('y')));
    c.socket.end();
    expect((await c.next(2)).map(describeFrame)).toEqual(['ack 1', 'ack 2']);
    await c.waitClosed();
  });

  it('1,000 pipelined ingests (the Rust test_pipelined_ingests pattern) are all acked in order', async () => {
    const { c } = await setup(0);
    const frames = Array.from({ length: 1000 }, (_, i) => ingest(i + 1, 1, tlv(`m${i}`)));
    for (let i = 0; i < frames.length; i += 37) c.send(...frames.slice(i, i + 37));
    const acks = await c.next(1000, 5000);
    expect(acks.every((a, i) => a.flags === Flags.ACK && a.batchId === BigInt(i + 1))).toBe(true);
  });
});

describe('§2.3.1 step 6 group commit', () => {
  it('acks wait for the idle gap', async () => {
    const { c } = await setup(120);
    const t0 = Date.now();
    c.send(ingest(1, 1, tlv('x')));
    await c.nextOne();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
  });

  it('4 MiB dirty flushes at once, without waiting for the gap', async () => {
    const { c } = await setup(60_000);
    const t0 = Date.now();
    c.send(ingest(1, 1, Buffer.alloc(4 * 1024 * 1024)));
    await c.nextOne(5000);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('stop() sends the acks owed before closing', async () => {
    const { c, server } = await setup(60_000);
    c.send(ingest(1, 1, tlv('x')));
    await new Promise((r) => setTimeout(r, 50));
    expect(c.frames).toHaveLength(2);
    await server.stop();
    expect(describeFrame(await c.nextOne())).toBe('ack 1');
    await c.waitClosed();
  });
});

describe('§6.1 keepalive and idle', () => {
  it('echoes each keepalive exactly once, never sends one unprompted, never times out idle clients', async () => {
    const server = await h.start();
    const c = await h.connect(server);
    await c.expectSilence(300);
    c.send(keepalive(), keepalive());
    expect((await c.next(2)).map(describeFrame)).toEqual(['keepalive', 'keepalive']);
    await c.expectSilence(200);
    expect(c.isClosed).toBe(false);
    expect(server.connections).toBe(1);
  });
});
