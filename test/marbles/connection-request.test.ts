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
      expectObservable(lance.request$(Command.GET_TOPIC).pipe(outcome, code)).toBe('10ms (a|)', { a: 'TOPIC_NOT_FOUND' });
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
      expectObservable(lance.request$(Command.LIST_TOPICS, undefined, { timeoutMs: 30 }).pipe(code)).toBe('30ms (a|)', { a: 'TIMEOUT' });
      expectObservable(lance.request$(Command.GET_CLUSTER_STATUS).pipe(code)).toBe('30ms (a|)', { a: 'CONNECTION' });
      expectObservable(lance.session$().pipe(map((x) => x.epoch)), '^ 60ms !').toBe('a 39ms b', { a: 1, b: 2 });
    });
  });

  it('a request waiting for a connection times out when none comes', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({ scheduler, accept: () => 'refuse' });
      const lance = new Lance({ connector: s.network.connector, scheduler, keepaliveMs: 0, reconnect: { baseMs: 10, random: () => 1 } });
      expectObservable(lance.request$(Command.LIST_TOPICS, undefined, { timeoutMs: 50 }).pipe(code)).toBe('50ms (a|)', { a: 'TIMEOUT' });
    });
  });

  it('an abandoned request keeps its FIFO slot: its late reply is not given to the next request', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      let n = 0;
      const s = scriptedNetwork({ scheduler, replyDelayMs: 20, reply: () => jsonReply(Command.TOPIC_RESPONSE, topicJson(++n, `t${n}`)) });
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
        reply: () => (++n <= 2 ? errorReply('FORWARD_FAILED: Leader not ready (apply/metadata catch-up)') : jsonReply(Command.TOPIC_RESPONSE, topicJson(1, 'a'))),
      });
      const lance = new Lance({ connector: s.network.connector, scheduler, keepaliveMs: 0, reconnect: { baseMs: 10, random: () => 1 } });
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
      const lance = new Lance({ servers: ['seed:1'], connector: s.network.connector, scheduler, keepaliveMs: 0, reconnect: { baseMs: 10, random: () => 1 } });
      expectObservable(lance.request$(Command.CREATE_TOPIC).pipe(outcome, code)).toBe('10ms (a|)', { a: 'ok:128' });
      scheduler.schedule(() => expect(s.network.sockets.map((x) => `${x.address}${x.closed ? ' closed' : ''}`)).toEqual(['seed:1 closed', 'leader:1992']), 20);
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
