/** Topic administration in standalone mode (PROTOCOL.md §2.3.3–2.3.9, error texts §3.2). */
import { Command, encodeControl, encodeTopicId, U64_MAX } from '../../src/wire';
import {
  commandOfFrame,
  createTopic,
  createTopicWithRetention,
  deleteTopic,
  errorText,
  getTopic,
  json,
  listTopics,
  setRetention,
  text,
} from './helpers/frames';
import { Harness } from './helpers/harness';

const h = new Harness();
afterEach(() => h.cleanup());

const client = async () => h.connect(await h.start());
const INVALID = (name: string) =>
  `Invalid data: Topic name '${name}' contains invalid characters. Only alphanumeric characters (a-z, A-Z, 0-9) and dashes (-) are allowed`;

describe('CreateTopic (§2.3.3)', () => {
  it('allocates ids from 1 and answers a TopicResponse with created_at in seconds and topic_epoch 1', async () => {
    const c = await client();
    c.send(createTopic('a'), createTopic('B-2'));
    const [a, b] = await c.next(2);
    expect(commandOfFrame(a!)).toBe(Command.TOPIC_RESPONSE);
    expect(json(a!)).toMatchObject({ id: 1, name: 'a', topic_epoch: 1 });
    expect(json(b!)).toMatchObject({ id: 2, name: 'B-2', topic_epoch: 1 });
    expect(Math.abs(Number(json(a!)['created_at']) - Date.now() / 1000)).toBeLessThan(5);
  });

  it.each(['under_score', 'dot.ted', 'sp ace', 'sl/ash', 'ünï'])('rejects %j with the exact text', async (name) => {
    const c = await client();
    c.send(createTopic(name));
    expect(errorText(await c.nextOne())).toBe(INVALID(name));
  });

  it('has no length limit', async () => {
    const c = await client();
    c.send(createTopic('x'.repeat(200)));
    expect(json(await c.nextOne())['name']).toBe('x'.repeat(200));
  });

  it('empty payload → "Topic name required"; duplicate → "Topic \'<name>\' already exists"', async () => {
    const c = await client();
    c.send(encodeControl(Command.CREATE_TOPIC), createTopic('dup'), createTopic('dup'));
    const [empty, , dup] = await c.next(3);
    expect(errorText(empty!)).toBe('Topic name required');
    expect(errorText(dup!)).toBe("Topic 'dup' already exists");
  });

  it('ids are not reused after a delete', async () => {
    const c = await client();
    c.send(createTopic('a'), deleteTopic(1), createTopic('a'));
    const [, , again] = await c.next(3);
    expect(json(again!)['id']).toBe(2);
  });
});

describe('CreateTopicWithRetention (§2.3.4)', () => {
  it('returns max_age_secs / max_bytes as top-level keys, stored as given (u64::MAX, 0)', async () => {
    const c = await client();
    c.send(createTopicWithRetention('r', 0n, U64_MAX));
    const f = await c.nextOne();
    expect(Object.keys(JSON.parse(text(f)) as object)).toEqual([
      'created_at',
      'id',
      'max_age_secs',
      'max_bytes',
      'name',
      'topic_epoch',
    ]);
    expect(text(f)).toContain('"max_age_secs":0,"max_bytes":18446744073709551615,');
    expect(json(f)['max_bytes']).toBe(U64_MAX);
  });

  it('short payloads: < 18 → "Invalid create topic payload", < 2+n+16 → "Invalid payload length"; extra bytes ignored', async () => {
    const c = await client();
    const good = Buffer.from(createTopicWithRetention('abcd', 1n, 2n).subarray(44));
    c.send(
      encodeControl(Command.CREATE_TOPIC_WITH_RETENTION, good.subarray(0, 17)),
      encodeControl(Command.CREATE_TOPIC_WITH_RETENTION, good.subarray(0, 21)),
      encodeControl(Command.CREATE_TOPIC_WITH_RETENTION, Buffer.concat([good, Buffer.from('trailing')])),
    );
    const [a, b, ok] = await c.next(3);
    expect(errorText(a!)).toBe('Invalid create topic payload');
    expect(errorText(b!)).toBe('Invalid payload length');
    expect(json(ok!)).toMatchObject({ name: 'abcd', max_age_secs: 1, max_bytes: 2 });
  });

  it('name_len 0 → "Invalid data: Topic name must not be empty"; same duplicate rule', async () => {
    const c = await client();
    c.send(createTopicWithRetention('', 1n, 1n), createTopic('d'), createTopicWithRetention('d', 1n, 1n));
    const [empty, , dup] = await c.next(3);
    expect(errorText(empty!)).toBe('Invalid data: Topic name must not be empty');
    expect(errorText(dup!)).toBe("Topic 'd' already exists");
  });
});

describe('ListTopics / GetTopic / DeleteTopic / SetRetention / GetClusterStatus', () => {
  it('ListTopics: {"topics":[...]} with struct key order and no retention (§2.3.5)', async () => {
    const c = await client();
    c.send(
      listTopics(),
      createTopic('a'),
      createTopicWithRetention('b', 5n, 6n),
      encodeControl(Command.LIST_TOPICS, Buffer.from('ignored')),
    );
    const [empty, , , list] = await c.next(4);
    expect(text(empty!)).toBe('{"topics":[]}');
    const body = JSON.parse(text(list!)) as { topics: Record<string, unknown>[] };
    expect(body.topics.map((t) => Object.keys(t))).toEqual([
      ['id', 'name', 'created_at', 'topic_epoch'],
      ['id', 'name', 'created_at', 'topic_epoch'],
    ]);
    expect(body.topics.map((t) => t['name'])).toEqual(['a', 'b']);
  });

  it('GetTopic: sorted keys, no retention; unknown or short payload (= id 0) → "Topic not found" (§2.3.6)', async () => {
    const c = await client();
    c.send(
      createTopicWithRetention('a', 5n, 6n),
      getTopic(1),
      getTopic(7),
      encodeControl(Command.GET_TOPIC, Buffer.from([1, 0])),
    );
    const [, got, unknown, short] = await c.next(4);
    expect(Object.keys(JSON.parse(text(got!)) as object)).toEqual(['created_at', 'id', 'name', 'topic_epoch']);
    expect(errorText(unknown!)).toBe('Topic not found');
    expect(errorText(short!)).toBe('Topic not found');
  });

  it('DeleteTopic: {"deleted":id}; unknown → "Configuration error: Topic <id> not found" (§2.3.7)', async () => {
    const c = await client();
    c.send(createTopic('a'), deleteTopic(1), deleteTopic(1), encodeControl(Command.DELETE_TOPIC), getTopic(1));
    const [, del, again, short, get] = await c.next(5);
    expect(text(del!)).toBe('{"deleted":1}');
    expect(errorText(again!)).toBe('Configuration error: Topic 1 not found');
    expect(errorText(short!)).toBe('Configuration error: Topic 0 not found');
    expect(errorText(get!)).toBe('Topic not found');
  });

  it('SetRetention: {"max_age_secs","max_bytes","topic_id"}; errors (§2.3.8)', async () => {
    const c = await client();
    c.send(
      createTopic('a'),
      setRetention(1, 86400n, U64_MAX),
      setRetention(9, 1n, 1n),
      encodeControl(Command.SET_RETENTION, Buffer.alloc(19)),
    );
    const [, ok, unknown, short] = await c.next(4);
    expect(text(ok!)).toBe('{"max_age_secs":86400,"max_bytes":18446744073709551615,"topic_id":1}');
    expect(errorText(unknown!)).toBe('Configuration error: Topic 9 not found');
    expect(errorText(short!)).toBe('Invalid set retention payload');
  });

  it('GetClusterStatus: the standalone form (§2.3.9)', async () => {
    const c = await client();
    c.send(encodeControl(Command.GET_CLUSTER_STATUS));
    const f = await c.nextOne();
    expect(commandOfFrame(f)).toBe(Command.CLUSTER_STATUS_RESPONSE);
    expect(text(f)).toBe(
      '{"current_term":0,"healthy_nodes":1,"is_leader":true,"leader_id":0,"mode":"standalone","node_count":1,"node_id":0,"peer_states":{},"quorum_available":true}',
    );
  });

  it('client-sent server-only codes → "Invalid client command"; 0x09 → "Authentication handled at connection level" (§2.2)', async () => {
    const c = await client();
    const codes = [0x11, 0x12, 0x23, 0x24, 0x80, 0x81, 0xff, 0x00, 0x30, 0x7f];
    c.send(...codes.map((code) => encodeControl(code, encodeTopicId(1))), encodeControl(0x09));
    const replies = await c.next(codes.length + 1);
    expect(replies.slice(0, -1).map(errorText)).toEqual(codes.map(() => 'Invalid client command'));
    expect(errorText(replies.at(-1)!)).toBe('Authentication handled at connection level');
  });
});
