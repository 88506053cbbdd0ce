/** Subscribe / Unsubscribe / CommitOffset bookkeeping (PROTOCOL.md §2.3.13–2.3.15). */
import { Command, decodeCommitAck, decodeSubscribeAck, encodeControl, Flags, U64_MAX } from '../../src/wire';
import { commandOfFrame, commitOffset, createTopic, errorText, subscribe, unsubscribe } from './helpers/frames';
import { Harness } from './helpers/harness';

const h = new Harness();
afterEach(() => h.cleanup());

describe('consumer bookkeeping (§2.3.13–2.3.15)', () => {
  it('Subscribe: 0 → committed offset (else 0), u64::MAX echoed, other offsets echoed; unknown topic → "Topic not found"; topic 0 allowed', async () => {
    const server = await h.start();
    const c = await h.connect(server);
    c.send(
      createTopic('t'),
      subscribe(1, 0n, 5n),
      subscribe(1, U64_MAX, 5n),
      subscribe(1, 77n, 5n),
      subscribe(3, 0n, 5n),
      subscribe(0, 0n, 5n),
    );
    const [, zero, max, other, unknown, topic0] = await c.next(6);
    expect(commandOfFrame(zero!)).toBe(Command.SUBSCRIBE_ACK);
    expect(decodeSubscribeAck(zero!.payload)).toEqual({ consumerId: 5n, startOffset: 0n });
    expect(decodeSubscribeAck(max!.payload).startOffset).toBe(U64_MAX);
    expect(decodeSubscribeAck(other!.payload).startOffset).toBe(77n);
    expect(errorText(unknown!)).toBe('Topic not found');
    expect(decodeSubscribeAck(topic0!.payload).startOffset).toBe(0n);
  });

  it('commits are shared by all connections and survive Unsubscribe; the Unsubscribe reply is an Ack with the consumer id', async () => {
    const server = await h.start();
    const a = await h.connect(server);
    a.send(createTopic('t'), commitOffset(1, 42n, 20n), unsubscribe(1, 42n));
    const [, commit, unsub] = await a.next(3);
    expect(commandOfFrame(commit!)).toBe(Command.COMMIT_ACK);
    expect(decodeCommitAck(commit!.payload)).toEqual({ consumerId: 42n, committedOffset: 20n });
    expect(unsub!.flags).toBe(Flags.ACK);
    expect(unsub!.batchId).toBe(42n);
    await a.close();
    const b = await h.connect(server);
    b.send(subscribe(1, 0n, 42n), subscribe(1, 0n, 43n));
    const [resumed, fresh] = await b.next(2);
    expect(decodeSubscribeAck(resumed!.payload).startOffset).toBe(20n);
    expect(decodeSubscribeAck(fresh!.payload).startOffset).toBe(0n);
  });

  it('CommitOffset does not validate the topic or the offset', async () => {
    const c = await h.connect(await h.start());
    c.send(commitOffset(999, 1n, U64_MAX));
    expect(decodeCommitAck((await c.nextOne()).payload)).toEqual({ consumerId: 1n, committedOffset: U64_MAX });
  });

  it('commits are lost on restart (in memory only)', async () => {
    const server = await h.start();
    const c = await h.connect(server);
    c.send(createTopic('t'), commitOffset(1, 42n, 20n));
    await c.next(2);
    await server.restart();
    const d = await h.connect(server);
    d.send(subscribe(1, 0n, 42n));
    expect(decodeSubscribeAck((await d.nextOne()).payload).startOffset).toBe(0n);
  });

  it('short payloads → exact errors', async () => {
    const c = await h.connect(await h.start());
    c.send(
      encodeControl(Command.SUBSCRIBE, Buffer.alloc(23)),
      encodeControl(Command.UNSUBSCRIBE, Buffer.alloc(11)),
      encodeControl(Command.COMMIT_OFFSET, Buffer.alloc(19)),
    );
    expect((await c.next(3)).map(errorText)).toEqual([
      'Invalid subscribe payload',
      'Invalid unsubscribe payload',
      'Invalid commit offset payload',
    ]);
  });
});
