/** ensureTopic$ is one call with one deadline, however many create/list rounds it takes. */
import { catchError, map, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Lance } from '../../src/rx/lance';
import { ensureTopic$ } from '../../src/rx/ensure-topic';
import { Command } from '../../src/wire/constants';
import { commandOf } from '../../src/wire/control';
import { LanceError } from '../../src/wire/errors';
import { errorReply, jsonReply, scriptedNetwork, topicJson } from '../rx/fake-server';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const codeAndCause = catchError((e: unknown) => {
  const c = (e as { cause?: unknown }).cause;
  return of(`${e instanceof LanceError ? e.code : String(e)} ← ${c instanceof LanceError ? c.code : String(c)}`);
});

describe('ensureTopic$ (virtual time)', () => {
  it('a server that never answers: fails at its one deadline (was 20 × create + list timeouts)', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({ scheduler }); // accepts, never replies
      const lance = new Lance({
        connector: s.network.connector,
        scheduler,
        keepaliveMs: 0,
        reconnect: { baseMs: 10, random: () => 1 },
      });
      expectObservable(
        ensureTopic$(lance, 'orders', { timeoutMs: 1000 }).pipe(
          map((t) => t.name),
          codeAndCause,
        ),
      ).toBe('1000ms (a|)', {
        a: 'TIMEOUT ← TIMEOUT',
      });
    });
  });

  it('defaults to the core requestTimeoutMs as its whole budget', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({
        scheduler,
        reply: () => errorReply('FORWARD_FAILED: Leader not ready (apply/metadata catch-up)'),
      });
      const lance = new Lance({
        connector: s.network.connector,
        scheduler,
        keepaliveMs: 0,
        requestTimeoutMs: 3000,
        reconnect: { baseMs: 100, random: () => 1 },
      });
      const result = ensureTopic$(lance, 'orders', { baseMs: 100 }).pipe(
        map((t) => t.name),
        codeAndCause,
      );
      // FORWARD_FAILED rounds back off 100, 200, 400, 800 ms inside the create, then inside the list
      // and the next create with what is left: the whole call fails before 3000 ms (not 20 × 3000),
      // with the server's answer as the cause.
      expectObservable(result).toBe('2900ms (a|)', { a: 'TIMEOUT ← FORWARD_FAILED' });
    });
  });

  it('still finds the topic after "already exists" within the deadline', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({
        scheduler,
        replyDelayMs: 5,
        reply: (f) =>
          commandOf(f) === Command.CREATE_TOPIC
            ? errorReply("Topic 'orders' already exists")
            : jsonReply(Command.TOPIC_RESPONSE, `{"topics":[${topicJson(7, 'orders')}]}`),
      });
      const lance = new Lance({ connector: s.network.connector, scheduler, keepaliveMs: 0 });
      expectObservable(
        ensureTopic$(lance, 'orders', { timeoutMs: 1000 }).pipe(
          map((t) => `${t.id}`),
          codeAndCause,
        ),
      ).toBe('10ms (a|)', { a: '7' });
    });
  });
});
