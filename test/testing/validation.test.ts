/**
 * Frame validation and classification (PROTOCOL.md §1.4, §1.5, §3.3): every fatal problem closes the
 * connection without any frame; the frames before it in the same read are handled but the acks owed
 * for that read are lost.
 */
import { crc32, encodeFrame, Flags } from '../../src/wire';
import { errorText, fetch, ingest, isAck, keepalive, tlv } from './helpers/frames';
import { Harness } from './helpers/harness';
import { vectorBytes } from './helpers/vectors';

const h = new Harness();
afterEach(() => h.cleanup());

const setup = (options: Parameters<Harness['start']>[0] = {}) => h.startWithTopic(options);

describe('fatal frames close the connection without a frame (§1.4, §3.3)', () => {
  it.each([
    ['header CRC mismatch', 'keepalive with flags byte changed to 0x21 but old header CRC'],
    ['payload CRC mismatch', "ingest 'test' with last payload byte changed"],
    ['version 2', 'version 2 with valid CRC'],
    ['bad magic', 'bad magic'],
    ['payload_length 16 MiB + 1 at the head of a read', 'header announcing payload_length 16777217'],
  ])('%s', async (_what, vector) => {
    const { c } = await setup();
    c.send(vectorBytes(vector));
    await c.waitClosed();
    expect(c.frames).toHaveLength(1); // only the CreateTopic reply
  });

  it('a payload of exactly maxPayloadSize is accepted, one more byte closes (§1.4 step 1)', async () => {
    const { c, server } = await setup({ maxPayloadSize: 1000 });
    c.send(ingest(1, 1, new Uint8Array(1000)));
    expect(isAck(await c.nextOne(), 1)).toBe(true);
    c.send(ingest(2, 1, new Uint8Array(1001)));
    await c.waitClosed();
    expect(server.topicBytes(1)).toHaveLength(1000);
  });

  it('the oversize check reads bytes 32..36 of the head frame before its magic (§1.4 step 1)', async () => {
    const { c } = await setup({ maxPayloadSize: 1000 });
    const frame = Buffer.from(ingest(1, 1, new Uint8Array(10)));
    frame.writeUInt32LE(1001, 32);
    frame.write('XXXX', 0); // bad magic too: either check closes, and no payload is awaited
    c.send(frame.subarray(0, 44));
    await c.waitClosed();
  });

  it('an oversized frame in the middle of a read is only rejected after the next read (§1.4 step 1)', async () => {
    const { c } = await setup({ maxPayloadSize: 1000 });
    const big = Buffer.from(ingest(2, 1, new Uint8Array(10)));
    big.writeUInt32LE(5000, 32); // valid magic/version/header CRC: the server waits for its payload
    c.send(ingest(1, 1, tlv('a')), big.subarray(0, 44));
    expect(isAck(await c.nextOne(), 1)).toBe(true);
    expect(c.isClosed).toBe(false);
    c.send(new Uint8Array(1)); // next read: now it is the head frame
    await c.waitClosed();
  });

  it('ingests before a bad frame in the same read are stored but never acked; replies before it are sent (§1.4, §3.3)', async () => {
    const { c, server } = await setup();
    c.send(ingest(1, 1, tlv('one')), keepalive(), ingest(2, 1, tlv('two')), vectorBytes('bad magic'));
    const closed = await c.waitClosed();
    expect(closed.reset).toBe(false);
    expect(c.frames.slice(1).map((f) => f.flags)).toEqual([Flags.KEEPALIVE]);
    expect(Buffer.from(server.topicBytes(1))).toEqual(Buffer.concat([tlv('one'), tlv('two')]));
  });

  it('nothing else in the header is validated: reserved bytes, flag 0x80, record_count, timestamp (§1.4 step 8)', async () => {
    const { c } = await setup();
    const frame = Buffer.from(
      encodeFrame({
        flags: Flags.BATCH_MODE,
        batchId: 5n,
        timestampNs: 123n,
        recordCount: 999,
        topicId: 1,
        payload: tlv('x'),
      }),
    );
    frame[6] = 0xaa; // reserved bytes are only covered by the header CRC, recomputed here
    frame.writeUInt32LE(crc32(frame.subarray(0, 8)), 8);
    c.send(frame, ingest(6, 1, tlv('y'), Flags.BATCH_MODE | 0x80));
    expect((await c.next(2)).map((a) => [a.flags, a.batchId])).toEqual([
      [Flags.ACK, 5n],
      [Flags.ACK, 6n],
    ]);
  });
});

describe('classification (§1.5)', () => {
  it('a header-only ingest gets no reply at all', async () => {
    const { c, server } = await setup();
    c.send(encodeFrame({ flags: Flags.BATCH_MODE, batchId: 9n, topicId: 1 }));
    await c.expectSilence(100);
    expect(server.topicBytes(1)).toHaveLength(0);
  });

  it('flags 0x00 / 0x01 / 0x02 with a payload are ingests; the payload is stored verbatim (§1.5, §5)', async () => {
    const { c, server } = await setup();
    c.send(
      ingest(1, 1, Buffer.from('raw'), 0x00),
      ingest(2, 1, Buffer.from('lz4?'), 0x01),
      ingest(3, 1, Buffer.from('enc'), 0x05),
    );
    const acks = await c.next(3);
    expect(acks.map((a) => a.batchId)).toEqual([1n, 2n, 3n]);
    expect(Buffer.from(server.topicBytes(1)).toString()).toBe('rawlz4?enc');
  });

  it('Ack, Backpressure and unknown header-only frames are ignored', async () => {
    const { c } = await setup();
    c.send(
      encodeFrame({ flags: Flags.ACK, batchId: 1n }),
      encodeFrame({ flags: Flags.BACKPRESSURE }),
      encodeFrame({ flags: 0x80 }),
      encodeFrame({ flags: 0 }),
    );
    await c.expectSilence(100);
    c.send(keepalive());
    expect((await c.nextOne()).flags).toBe(Flags.KEEPALIVE);
  });

  it('Control wins over every other bit; only the low byte of batch_id is the command', async () => {
    const { c } = await setup();
    c.send(
      encodeFrame({
        flags: Flags.CONTROL | Flags.KEEPALIVE | Flags.BATCH_MODE,
        batchId: 0x1_0000_0000_0010n,
        payload: Buffer.alloc(3),
      }),
    );
    expect(errorText(await c.nextOne())).toBe('Protocol error: Fetch request payload too small');
  });

  it('Keepalive wins over Ack/BatchMode; a keepalive payload is CRC-checked and ignored (§2.3.2)', async () => {
    const { c } = await setup();
    c.send(encodeFrame({ flags: Flags.KEEPALIVE | Flags.BATCH_MODE, topicId: 1, payload: Buffer.from('zz') }));
    expect((await c.nextOne()).flags).toBe(Flags.KEEPALIVE);
    c.send(fetch(1, 0, 100));
    const r = await c.nextOne();
    expect(r.payload.length).toBe(16); // nothing was stored
  });
});
