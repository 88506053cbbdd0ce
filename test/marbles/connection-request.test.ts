import { catchError, map, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Lance } from '../../src/rx/lance';
import { Command } from '../../src/wire/constants';
import { commandOf } from '../../src/wire/control';
import { LanceError } from '../../src/wire/errors';
import { errorReply, jsonReply, scriptedNetwork, topicJson } from '../rx/fake-server';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const outcome = map((f: { batchId: bigint }) => `ok:${Number(f.batchId & 0xffn)}`);
const code = catchError((e: unknown) => of(e instanceof LanceError ? e.code : String(e)));
/** An error's code and its cause's: the deadline's errors must say why the call waited. */
const codeAndCause = catchError((e: unknown) => {
  const c = (e as { cause?: unknown }).cause;
  return of(`${e instanceof LanceError ? e.code : String(e)} ← ${c instanceof LanceError ? c.code : String(c)}`);
});

describe('connection core: requests (virtual time)', () => {
  it('matches replies FIFO: each request gets the reply in its position', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      let n = 0;
      const s = scriptedNetwork({
        scheduler,
        replyDelayMs: 10,
        reply: () => (++n === 2 ? errorReply('Topic not found') : jsonReply(Command.TOPIC_RESPONSE, topicJson(n, 'x'))),
      });
      const lance = new Lance({ connector: s.network.connector, scheduler, keepaliveMs: 0 });
      expectObservable(lance.request$(Command.LIST_TOPICS).pipe(outcome, code)).toBe('10ms (a|)', { a: 'ok:128' });
      expectObservable(lance.request$(Command.GET_TOPIC).pipe(outcome, code)).toBe('10ms (a|)', {
        a: 'TOPIC_NOT_FOUND',
      });
      expectObservable(lance.request$(Command.GET_TOPIC).pipe(outcome, code)).toBe('10ms (a|)', { a: 'ok:128' });
    });
  });

  it('a timed-out request fails with TimeoutError, poisons the socket (others: ConnectionError) and reconnects', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({ scheduler }); // never replies to control requests
      const lance = new Lance({
        connector: s.network.connector,
        scheduler,
        keepaliveMs: 0,
        requestTimeoutMs: 100,
        reconnect: { baseMs: 10, random: () => 1 },
      });
      expectObservable(lance.request$(Command.LIST_TOPICS, undefined, { timeoutMs: 30 }).pipe(code)).toBe('30ms (a|)', {
        a: 'TIMEOUT',
      });
      expectObservable(lance.request$(Command.GET_CLUSTER_STATUS).pipe(code)).toBe('30ms (a|)', { a: 'CONNECTION' });
      expectObservable(lance.session$().pipe(map((x) => x.epoch)), '^ 60ms !').toBe('a 39ms b', { a: 1, b: 2 });
    });
  });

  it('while no server ever answered, a request fails after one round of the seeds, with the refusal as its cause', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({ scheduler, accept: () => 'refuse' });
      const lance = new Lance({
        servers: ['a:1', 'b:1'],
        connector: s.network.connector,
        scheduler,
        keepaliveMs: 0,
        reconnect: { baseMs: 10, random: () => 1 },
      });
      // a:1 refuses at 0, b:1 after the 10 ms backoff: the round is over.
      expectObservable(lance.request$(Command.LIST_TOPICS, undefined, { timeoutMs: 5000 }).pipe(codeAndCause)).toBe(
        '10ms (a|)',
        {
          a: 'CONNECTION ← CONNECTION',
        },
      );
    });
  });

  it('waitForConnection: true waits out the deadline instead; the TimeoutError names the last refusal', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({ scheduler, accept: () => 'refuse' });
      const lance = new Lance({
        connector: s.network.connector,
        scheduler,
        keepaliveMs: 0,
        waitForConnection: true,
        reconnect: { baseMs: 10, random: () => 1 },
      });
      expectObservable(lance.request$(Command.LIST_TOPICS, undefined, { timeoutMs: 50 }).pipe(codeAndCause)).toBe(
        '50ms (a|)',
        { a: 'TIMEOUT ← CONNECTION' },
      );
    });
  });

  it('once a server answered, a request waits for the reconnect within its deadline (and fails with the cause)', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({
        scheduler,
        accept: (_t, attempt) => (attempt === 1 ? 'open' : 'refuse'),
        reply: () => jsonReply(Command.TOPIC_RESPONSE, topicJson(1, 'a')),
      });
      const lance = new Lance({
        connector: s.network.connector,
        scheduler,
        keepaliveMs: 0,
        reconnect: { baseMs: 10, random: () => 1 },
      });
      expectObservable(lance.request$(Command.LIST_TOPICS).pipe(outcome)).toBe('(a|)', { a: 'ok:128' });
      scheduler.schedule(() => s.network.sockets[0]!.fail(), 5);
      expectObservable(
        lance.request$(Command.LIST_TOPICS, undefined, { timeoutMs: 100 }).pipe(codeAndCause),
        '10ms ^',
      ).toBe('110ms (a|)', {
        a: 'TIMEOUT ← CONNECTION',
      });
    });
  });

  it('NOT_LEADER retries stop at the call deadline: a leaderless node fails the call on time, NOT_LEADER as the cause', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({ scheduler, replyDelayMs: 5, reply: () => errorReply('NOT_LEADER: leader unknown') });
      const lance = new Lance({
        connector: s.network.connector,
        scheduler,
        keepaliveMs: 0,
        requestRetries: 100,
        reconnect: { baseMs: 40, random: () => 1 },
      });
      const result = lance.request$(Command.CREATE_TOPIC, undefined, { timeoutMs: 200 }).pipe(codeAndCause);
      // Replies at 5, 50 (backoff 40), 135 (backoff 80); the next backoff (160) would pass 200 ms, so
      // the call fails at 135 rather than sleep into its deadline (before: 100 retries, ~10 minutes).
      expectObservable(result).toBe('135ms (a|)', { a: 'TIMEOUT ← NOT_LEADER' });
    });
  });

  it('an abandoned request keeps its FIFO slot: its late reply is not given to the next request', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      let n = 0;
      const s = scriptedNetwork({
        scheduler,
        replyDelayMs: 20,
        reply: () => jsonReply(Command.TOPIC_RESPONSE, topicJson(++n, `t${n}`)),
      });
      const lance = new Lance({ connector: s.network.connector, scheduler, keepaliveMs: 0 });
      const name = map((f: { payload: Uint8Array }) => JSON.parse(new TextDecoder().decode(f.payload)).name as string);
      expectObservable(lance.request$(Command.GET_TOPIC).pipe(name), '^ 5ms !').toBe('');
      expectObservable(lance.request$(Command.GET_TOPIC).pipe(name)).toBe('20ms (b|)', { b: 't2' });
    });
  });

  it('FORWARD_FAILED is retried with backoff on the same socket until it succeeds', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      let n = 0;
      const s = scriptedNetwork({
        scheduler,
        reply: () =>
          ++n <= 2
            ? errorReply('FORWARD_FAILED: Leader not ready (apply/metadata catch-up)')
            : jsonReply(Command.TOPIC_RESPONSE, topicJson(1, 'a')),
      });
      const lance = new Lance({
        connector: s.network.connector,
        scheduler,
        keepaliveMs: 0,
        reconnect: { baseMs: 10, random: () => 1 },
      });
      expectObservable(lance.request$(Command.CREATE_TOPIC).pipe(outcome, code)).toBe('30ms (a|)', { a: 'ok:128' });
      scheduler.schedule(() => expect(s.network.sockets).toHaveLength(1), 40);
    });
  });

  it('NOT_LEADER: redirect → reconnects to the leader and retries the request there', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({
        scheduler,
        reply: (f, socket) =>
          socket.target.host === 'leader'
            ? jsonReply(Command.TOPIC_RESPONSE, topicJson(1, 'a'))
            : commandOf(f) === Command.CREATE_TOPIC
              ? errorReply('NOT_LEADER: redirect to leader:1992')
              : undefined,
      });
      const lance = new Lance({
        servers: ['seed:1'],
        connector: s.network.connector,
        scheduler,
        keepaliveMs: 0,
        reconnect: { baseMs: 10, random: () => 1 },
      });
      expectObservable(lance.request$(Command.CREATE_TOPIC).pipe(outcome, code)).toBe('10ms (a|)', { a: 'ok:128' });
      scheduler.schedule(
        () =>
          expect(s.network.sockets.map((x) => `${x.address}${x.closed ? ' closed' : ''}`)).toEqual([
            'seed:1 closed',
            'leader:1992',
          ]),
        20,
      );
    });
  });

  it('close() fails pending requests with ClosedError and leaves no socket', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({ scheduler });
      const lance = new Lance({ connector: s.network.connector, scheduler, keepaliveMs: 100 });
      expectObservable(lance.request$(Command.LIST_TOPICS).pipe(code)).toBe('20ms (a|)', { a: 'CLOSED' });
      expectObservable(lance.session$('producer:1').pipe(map((x) => x.epoch))).toBe('a 19ms |', { a: 1 });
      scheduler.schedule(() => void lance.close(), 20);
      scheduler.schedule(() => expect(s.network.open).toHaveLength(0), 21);
    });
  });
});
