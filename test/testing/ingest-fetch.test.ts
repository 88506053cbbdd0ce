/** Ingest (§2.3.1) and Fetch (§2.3.11–2.3.12) over byte offsets of the stored payloads. */
import { Command, decodeCatchingUp, decodeFetchResponse, encodeControl, U64_MAX } from '../../src/wire';
import { commandOfFrame, createTopic, deleteTopic, errorText, fetch, ingest, isAck, tlv } from './helpers/frames';
import { Harness } from './helpers/harness';

const h = new Harness();
afterEach(() => h.cleanup());

async function setup() {
  const server = await h.start();
  const c = await h.connect(server);
  c.send(createTopic('t'));
  await c.nextOne();
  return { server, c };
}

describe('Ingest (§2.3.1)', () => {
  it('unknown topic → "Unknown topic", no ack, connection kept', async () => {
    const { c } = await setup();
    c.send(ingest(1, 42, tlv('x')), ingest(2, 1, tlv('y')));
    const [err, ack] = await c.next(2);
    expect(errorText(err!)).toBe('Unknown topic');
    expect(isAck(ack!, 2)).toBe(true);
  });

  it('topic 0 is writable but Fetch of topic 0 → "Topic 0 not found"', async () => {
    const { c, server } = await setup();
    c.send(ingest(1, 0, tlv('zero')));
    expect(isAck(await c.nextOne(), 1)).toBe(true);
    expect(Buffer.from(server.topicBytes(0))).toEqual(Buffer.from(tlv('zero')));
    c.send(fetch(0, 0, 100));
    expect(errorText(await c.nextOne())).toBe('Topic 0 not found');
  });

  it('payloads are appended verbatim, back to back, in acceptance order; batch ids are echoed as is', async () => {
    const { c, server } = await setup();
    c.send(ingest(0xffff_ffff_ffff_ffffn, 1, tlv('a')), ingest(7, 1, tlv('bb')), ingest(7, 1, tlv('ccc')));
    expect((await c.next(3)).map((f) => f.batchId)).toEqual([U64_MAX, 7n, 7n]);
    expect(Buffer.from(server.topicBytes(1))).toEqual(Buffer.concat([tlv('a'), tlv('bb'), tlv('ccc')]));
  });

  it('a payload split over many socket reads is stored intact', async () => {
    const { c, server } = await setup();
    const payload = Buffer.alloc(300_000, 7);
    const frame = ingest(1, 1, payload);
    for (let i = 0; i < frame.length; i += 7000) c.send(frame.subarray(i, i + 7000));
    expect(isAck(await c.nextOne(), 1)).toBe(true);
    expect(Buffer.from(server.topicBytes(1)).equals(payload)).toBe(true);
  });
});

describe('Fetch (§2.3.11)', () => {
  async function withData() {
    const s = await setup();
    s.c.send(ingest(1, 1, tlv('hello')), ingest(2, 1, tlv('world'))); // 20 bytes
    await s.c.next(2);
    return s;
  }
  const resp = async (c: Awaited<ReturnType<typeof setup>>['c']) => {
    const f = await c.nextOne();
    expect(commandOfFrame(f)).toBe(Command.FETCH_RESPONSE);
    const r = decodeFetchResponse(f.payload);
    return { next: r.nextOffset, data: Buffer.from(r.data).toString('latin1'), flag: r.recordCountFlag };
  };

  it('reads across ingests; record_count is a 0/1 flag; cuts at max_bytes even mid-record', async () => {
    const { c } = await withData();
    c.send(fetch(1, 0, 1000));
    expect(await resp(c)).toEqual({
      next: 20n,
      data: Buffer.concat([tlv('hello'), tlv('world')]).toString('latin1'),
      flag: 1,
    });
    c.send(fetch(1, 3, 8));
    expect(await resp(c)).toEqual({
      next: 11n,
      data: Buffer.concat([tlv('hello'), tlv('world')])
        .subarray(3, 11)
        .toString('latin1'),
      flag: 1,
    });
  });

  it('edge cases: end, max_bytes 0, empty topic, tail sentinel, past the end', async () => {
    const { c } = await withData();
    c.send(fetch(1, 20, 100), fetch(1, 5, 0), fetch(1, U64_MAX, 0), fetch(1, 21, 100), fetch(1, 1n << 62n, 100));
    expect(await resp(c)).toEqual({ next: 20n, data: '', flag: 0 });
    expect(await resp(c)).toEqual({ next: 5n, data: '', flag: 0 });
    expect(await resp(c)).toEqual({ next: 20n, data: '', flag: 0 });
    for (let i = 0; i < 2; i++) {
      const f = await c.nextOne();
      expect(commandOfFrame(f)).toBe(Command.CATCHING_UP);
      expect(decodeCatchingUp(f.payload)).toBe(20n);
    }
    c.send(createTopic('empty'), fetch(2, 0, 100), fetch(2, 1, 100));
    await c.nextOne();
    expect(await resp(c)).toEqual({ next: 0n, data: '', flag: 0 });
    expect(decodeCatchingUp((await c.nextOne()).payload)).toBe(0n);
  });

  it('errors: unknown topic, no payload, short payload; extra bytes ignored', async () => {
    const { c } = await withData();
    const extra = Buffer.concat([Buffer.from(fetch(1, 0, 5).subarray(44)), Buffer.from('junk')]);
    c.send(
      fetch(9, 0, 1),
      encodeControl(Command.FETCH),
      encodeControl(Command.FETCH, Buffer.alloc(15)),
      encodeControl(Command.FETCH, extra),
    );
    const [unknown, none, short] = await c.next(3);
    expect(errorText(unknown!)).toBe('Topic 9 not found');
    expect(errorText(none!)).toBe('Fetch request payload required');
    expect(errorText(short!)).toBe('Protocol error: Fetch request payload too small');
    expect((await resp(c)).next).toBe(5n);
  });

  it('a deleted topic → "Topic <id> not found"', async () => {
    const { c } = await withData();
    c.send(deleteTopic(1), fetch(1, 0, 10));
    const [, f] = await c.next(2);
    expect(errorText(f!)).toBe('Topic 1 not found');
  });
});
