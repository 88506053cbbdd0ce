/**
 * StandaloneConsumer.close({ timeoutMs }) against the embedded LanceServer: close ends by its
 * deadline whatever it waits for, releases every socket and timer, and a poll pending at close
 * resolves instead of hanging.
 */
import { Lance } from '../../src/rx/lance';
import { Producer } from '../../src/client/producer';
import { StandaloneConfig } from '../../src/client/standalone-config';
import { StandaloneConsumer } from '../../src/client/standalone-consumer';
import type { OffsetStore } from '../../src/offsets/offset-store';
import { FaultProxy } from '../../src/testing/fault-proxy';
import { TimeoutError } from '../../src/wire/errors';
import { fastReconnect, serverWithAdmin } from './helpers';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

/** `p`'s outcome, or 'still pending' after `ms` (the timer is cleared either way). */
async function within<T>(p: Promise<T>, ms: number): Promise<{ value: T } | { error: unknown } | 'still pending'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still pending'>((resolve) => (timer = setTimeout(() => resolve('still pending'), ms)));
  try {
    return await Promise.race([
      p.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const kinds = (xs: string[]) => xs.reduce<Record<string, number>>((m, r) => ((m[r] = (m[r] ?? 0) + 1), m), {});

/** Resources of any kind more numerous than in `before`; the server's side of a socket may close a moment later. */
async function leftoversAfter(before: string[]): Promise<[string, number][]> {
  const leftovers = () =>
    Object.entries(kinds(process.getActiveResourcesInfo())).filter(([kind, n]) => n > (kinds(before)[kind] ?? 0));
  for (let i = 0; i < 200 && leftovers().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
  return leftovers();
}

/** An offset store whose saves never settle (a hung disk, a wedged remote store). */
function hungStore(): OffsetStore & { saves: bigint[] } {
  const saves: bigint[] = [];
  return {
    saves,
    load: async () => undefined,
    save: (_t, _c, offset) => {
      saves.push(offset);
      return new Promise<void>(() => undefined);
    },
    close: async () => undefined,
  };
}

describe('StandaloneConsumer.close({ timeoutMs })', () => {
  it('with saves that never resolve: rejects with TimeoutError by its deadline, ends a pending iterator and leaves nothing open', async () => {
    const { server, topic } = await serverWithAdmin(cleanup);
    const topicId = await topic('consumer-close');
    const producer = await Producer.connect(server.address);
    await producer.send(topicId, 'one');
    await producer.close();

    await new Promise((r) => setImmediate(r));
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    const store = hungStore();
    const consumer = await StandaloneConsumer.connect(server.address, new StandaloneConfig('hung-store', topicId), {
      offsetStore: store,
    });
    cleanup.push(() => consumer.close({ timeoutMs: 0 }));
    const batch = await consumer.poll();
    expect(batch).not.toBeNull();
    const iterator = consumer[Symbol.asyncIterator]();
    const pending = iterator.next(); // the topic has nothing more: waits for data

    const t0 = Date.now();
    const outcome = await within(consumer.close({ timeoutMs: 300 }), 1_300);
    const took = Date.now() - t0;
    expect(outcome).not.toBe('still pending');
    expect(took).toBeGreaterThanOrEqual(250);
    const err = (outcome as { error: unknown }).error;
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/final offset commit/);
    expect((err as Error).message).toMatch(/300 ms/);
    expect(store.saves).toEqual([batch!.endOffset]);

    expect(await within(pending, 500)).toEqual({ value: { done: true, value: undefined } });
    expect(await leftoversAfter(before)).toEqual([]);
  });

  it('a failing final commit still rejects close with its own error, within the deadline', async () => {
    const { server, topic } = await serverWithAdmin(cleanup);
    const topicId = await topic('consumer-close-fail');
    const producer = await Producer.connect(server.address);
    await producer.send(topicId, 'one');
    await producer.close();
    const disk = new Error('disk full');
    const store: OffsetStore = {
      load: async () => undefined,
      save: async () => Promise.reject(disk),
      close: async () => undefined,
    };
    const consumer = await StandaloneConsumer.connect(
      server.address,
      new StandaloneConfig('failing-store', topicId).withCloseTimeoutMs(2_000),
      { offsetStore: store },
    );
    expect(await consumer.poll()).not.toBeNull();
    expect(await within(consumer.close(), 1_500)).toEqual({ error: disk });
  });

  it('a poll waiting on a stalled fetch (shared Lance) resolves null at close instead of waiting for the request timeout', async () => {
    const { server, topic } = await serverWithAdmin(cleanup);
    const topicId = await topic('consumer-close-poll');
    const proxy = await FaultProxy.start({ target: server.address });
    cleanup.push(() => proxy.stop());
    const lance = new Lance({ servers: [proxy.address], reconnect: fastReconnect });
    cleanup.push(() => lance.close({ timeoutMs: 0 }));
    const config = new StandaloneConfig('stalled-poll', topicId).withPollTimeout(60_000).withPollInterval(10);
    const consumer = await StandaloneConsumer.open(lance, config);
    await consumer.seekToEnd(); // the consumer's socket is up

    proxy.pause({ direction: 'downstream' });
    const poll = consumer.poll();
    await new Promise((r) => setTimeout(r, 100)); // a Fetch is in flight, its reply held by the proxy
    const t0 = Date.now();
    await consumer.close({ timeoutMs: 500 });
    expect(await within(poll, 1_000)).toEqual({ value: null });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(lance.isClosed).toBe(false); // a shared core stays open
    proxy.resume({ direction: 'downstream' });
  });
});
