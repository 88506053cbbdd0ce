/**
 * Byte-exact server replies for every `server->client` frame of lwp-vectors.json (PROTOCOL.md §9),
 * each produced by sending the matching request (the request vectors themselves where there is one).
 */
import { Harness } from './helpers/harness';
import { createTopic, fetch, ingest, json, tlv } from './helpers/frames';
import { serverToClientVectors, vectorBytes, vectorHex } from './helpers/vectors';

const h = new Harness();
afterEach(() => h.cleanup());

async function withHelloWorldTopic() {
  const server = await h.start();
  const c = await h.connect(server);
  c.send(createTopic('my-events'));
  await c.nextOne();
  c.send(ingest(1, 1, Buffer.concat([tlv('hello'), tlv('world')])));
  await c.nextOne();
  return c;
}

describe('server->client vectors (§9)', () => {
  it('covers every server->client vector of the fixture', () => {
    expect(serverToClientVectors().sort()).toEqual(
      [
        'keepalive',
        'ack batch 1',
        'FetchResponse next 20 carrying TLV hello+world',
        'CatchingUp server offset 20',
        "ErrorResponse 'Topic not found'",
        'FetchResponse empty next 20',
        'SubscribeAck consumer 42 offset 0',
        'Unsubscribe reply = Ack with batch id 42',
        'CommitAck consumer 42 offset 20',
        'TopicResponse for CreateTopic',
        'AuthenticateResponse success',
      ].sort(),
    );
  });

  it('V1 keepalive echo (§2.3.2)', async () => {
    const c = await h.connect(await h.start());
    c.send(vectorBytes('keepalive'));
    expect(await c.nextHex()).toBe(vectorHex('keepalive'));
  });

  it('V2 ack for batch 1, answering V4 (§2.3.1)', async () => {
    const c = await h.connect(await h.start());
    c.send(vectorBytes('CreateTopic my-events'));
    await c.nextOne();
    c.send(vectorBytes("ingest one TLV RawData 'test'"));
    expect(await c.nextHex()).toBe(vectorHex('ack batch 1'));
  });

  it('V9 FetchResponse answering V8 on a 20-byte topic (§2.3.11)', async () => {
    const c = await withHelloWorldTopic();
    c.send(vectorBytes('Fetch topic 1 offset 0 max 65536'));
    expect(await c.nextHex()).toBe(vectorHex('FetchResponse next 20 carrying TLV hello+world'));
  });

  it('V10 CatchingUp(20) for a fetch at offset 100 (§2.3.12)', async () => {
    const c = await withHelloWorldTopic();
    c.send(fetch(1, 100, 65536));
    expect(await c.nextHex()).toBe(vectorHex('CatchingUp server offset 20'));
  });

  it("V11 ErrorResponse 'Topic not found' for GetTopic of an unknown id (§2.3.6)", async () => {
    const c = await h.connect(await h.start());
    c.send(vectorBytes('GetTopic 1'));
    expect(await c.nextHex()).toBe(vectorHex("ErrorResponse 'Topic not found'"));
  });

  it('V13 empty FetchResponse answering the V12 tail sentinel (§2.3.11)', async () => {
    const c = await withHelloWorldTopic();
    c.send(vectorBytes('Fetch tail sentinel topic 1'));
    expect(await c.nextHex()).toBe(vectorHex('FetchResponse empty next 20'));
  });

  it('V15 SubscribeAck, V16 Unsubscribe Ack, V18 CommitAck (§2.3.13–2.3.15)', async () => {
    const c = await withHelloWorldTopic();
    c.send(vectorBytes('Subscribe topic 1 offset 0 max 65536 consumer 42'));
    expect(await c.nextHex()).toBe(vectorHex('SubscribeAck consumer 42 offset 0'));
    c.send(vectorBytes('Unsubscribe topic 1 consumer 42'));
    expect(await c.nextHex()).toBe(vectorHex('Unsubscribe reply = Ack with batch id 42'));
    c.send(vectorBytes('CommitOffset topic 1 consumer 42 offset 20'));
    expect(await c.nextHex()).toBe(vectorHex('CommitAck consumer 42 offset 20'));
  });

  it('V19 TopicResponse answering V5: same JSON minus created_at, sorted keys (§2.3.3)', async () => {
    const c = await h.connect(await h.start());
    const before = Math.floor(Date.now() / 1000);
    c.send(vectorBytes('CreateTopic my-events'));
    const reply = await c.nextOne();
    const expected = vectorBytes('TopicResponse for CreateTopic');
    expect(Buffer.from(c.rawFrames[0]!.subarray(0, 28)).toString('hex')).toBe(expected.subarray(0, 28).toString('hex'));
    const body = json(reply);
    const { created_at: createdAt, ...rest } = body;
    const { created_at: _v, ...expectedRest } = JSON.parse(expected.subarray(44).toString()) as Record<string, unknown>;
    expect(rest).toEqual(expectedRest);
    expect(Number(createdAt)).toBeGreaterThanOrEqual(before);
    expect(Number(createdAt)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(Object.keys(JSON.parse(Buffer.from(reply.payload).toString()) as object)).toEqual([
      'created_at',
      'id',
      'name',
      'topic_epoch',
    ]);
  });

  it('V21 AuthenticateResponse success answering V20 (§2.3.10)', async () => {
    const c = await h.connect(await h.start({ authTokens: ['secret'] }));
    c.send(vectorBytes("Authenticate token 'secret'"));
    expect(await c.nextHex()).toBe(vectorHex('AuthenticateResponse success'));
  });
});
