/**
 * Regression tests for bugs the chaos harness led to, each as the smallest test that showed it.
 */
import { firstValueFrom, take, timeout, toArray } from 'rxjs';
import { Lance, createTopic$ } from '../../src/index';
import { nextConsumerRole } from '../../src/rx/consumer/role';
import { LanceServer } from '../../src/testing';

const opts = { keepaliveMs: 0, requestTimeoutMs: 2_000, reconnect: { baseMs: 10, maxMs: 50 } };

describe('the consumer follows NOT_LEADER on a Fetch (was: retried on the same socket forever)', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('a Fetch answered "NOT_LEADER: redirect to <leader>" is retried on the same (non-leader) socket forever', async () => {
    // Two nodes with the same topic: `leader` holds the records; `follower` answers every Fetch
    // with NOT_LEADER naming the leader (PROTOCOL.md §3.4: "retryable, reconnect to the given address").
    const leader = await LanceServer.start({ groupCommitMs: 0 });
    const follower = await LanceServer.start({ groupCommitMs: 0 });
    cleanup.push(
      () => leader.stop(),
      () => follower.stop(),
    );
    for (const s of [leader, follower]) {
      const admin = new Lance({ servers: [s.address] });
      await firstValueFrom(createTopic$(admin, 'redirected'));
      await admin.close();
    }
    const producerLance = new Lance({ ...opts, servers: [leader.address] });
    cleanup.push(() => producerLance.close());
    const producer = producerLance.producer(1);
    for (let i = 0; i < 10; i++) producer.next(`r${i}`);
    await producer.close();

    follower.faults.notLeader(leader.address, { fetches: 1_000_000 });
    const lance = new Lance({ ...opts, servers: [follower.address] });
    cleanup.push(() => lance.close());
    const role = `consumer:${Number(nextConsumerRole().split(':')[1]) + 1}`; // the role topic$ takes next
    const connectedTo: string[] = [];
    lance
      .state$(role)
      .subscribe(
        (s) => s.type === 'connected' && connectedTo.push(s.address === leader.address ? 'leader' : 'follower'),
      );
    const batches = lance.topic$(1, 0, { backoff: { baseMs: 10, maxMs: 50 } }).pipe(take(1), timeout(5_000), toArray());
    // Expected: the consumer role reconnects to the leader (as producers and control requests do)
    // and reads the 10 records. Actual: after 5 s it is still fetching from the follower, on its
    // first socket (connectedTo = ['follower']).
    const got = await firstValueFrom(batches).then(
      ([b]) => b!.records.map((r) => r.text()),
      (err: unknown) => `no records within 5 s (${String(err)}); connected to: ${connectedTo.join(', ')}`,
    );
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
  }, 15_000);
});
