import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Lance } from '../../src/rx/lance';
import type { ConnectionState } from '../../src/rx/state';
import { scriptedNetwork } from '../rx/fake-server';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const brief = (s: ConnectionState): string =>
  s.type === 'reconnecting' ? `r${s.attempt}:${s.delayMs}` : s.type === 'connecting' ? `c@${s.address}` : s.type;

describe('connection core: reconnect backoff (virtual time)', () => {
  it('waits full-jitter exponential delays (injected random) between refused attempts, then connects', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const { network } = scriptedNetwork({ scheduler, accept: (_t, n) => (n <= 3 ? 'refuse' : 'open') });
      const lance = new Lance({
        servers: ['a:1'],
        connector: network.connector,
        scheduler,
        keepaliveMs: 0,
        reconnect: { baseMs: 100, maxMs: 150, random: () => 0.5 },
      });
      // delays: 0.5*100, 0.5*200→capped 150 → 75, 75; connected at 50+75+75 = 200
      expectObservable(lance.session$().pipe(map((s) => s.epoch))).toBe('200ms a', { a: 1 });
      const states: string[] = [];
      lance.state$().subscribe((s) => states.push(brief(s)));
      scheduler.schedule(
        () =>
          expect(states).toEqual([
            'closed',
            'c@a:1',
            'r1:50',
            'c@a:1',
            'r2:75',
            'c@a:1',
            'r3:75',
            'c@a:1',
            'connected',
          ]),
        300,
      );
    });
  });

  it('a reconnectDelay hook overrides the computed delay', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const { network } = scriptedNetwork({ scheduler, accept: (_t, n) => (n <= 2 ? 'refuse' : 'open') });
      const lance = new Lance({
        connector: network.connector,
        scheduler,
        keepaliveMs: 0,
        reconnect: { reconnectDelay: (attempt) => attempt * 7 },
      });
      expectObservable(lance.session$().pipe(map((s) => s.epoch))).toBe('21ms a', { a: 1 });
    });
  });

  it('reconnects after a dropped socket with a new epoch; the counter resets only after a healthy period', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const { network } = scriptedNetwork({ scheduler });
      const lance = new Lance({
        connector: network.connector,
        scheduler,
        keepaliveMs: 0,
        reconnect: { baseMs: 10, random: () => 1, healthyAfterMs: 100 },
      });
      // drop at 5 (short-lived: attempt 1, 10ms) → up at 15; drop at 20 (attempt 2, 20ms) → up at 40;
      // drop at 200 (up 160ms ≥ healthy: attempt resets to 1, 10ms) → up at 210
      scheduler.schedule(() => network.last!.fail(), 5);
      scheduler.schedule(() => network.last!.fail(), 20);
      scheduler.schedule(() => network.last!.fail(), 200);
      expectObservable(lance.session$().pipe(map((s) => s.epoch))).toBe('a 14ms b 24ms c 169ms d', {
        a: 1,
        b: 2,
        c: 3,
        d: 4,
      });
    });
  });

  it('fails over round robin between seeds', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const { network } = scriptedNetwork({ scheduler, accept: (t) => (t.host === 'b' ? 'open' : 'refuse') });
      const lance = new Lance({
        servers: ['a:1', 'b:2', 'c:3'],
        connector: network.connector,
        scheduler,
        keepaliveMs: 0,
        reconnect: { baseMs: 10, random: () => 1 },
      });
      // a refused (attempt 1: 10ms) → b up at 10; b dies at 50 after 40ms (not healthy, so the count
      // goes on): c at 70 (attempt 2: 20ms, refused), a at 110 (3: 40ms, refused), b at 190 (4: 80ms)
      expectObservable(lance.session$().pipe(map((s) => s.address))).toBe('10ms a 179ms a', { a: 'b:2' });
      scheduler.schedule(() => network.last!.fail(), 50);
      scheduler.schedule(
        () => expect(network.sockets.map((s) => s.target.host)).toEqual(['a', 'b', 'c', 'a', 'b']),
        200,
      );
    });
  });

  it('stops on a fatal error and surfaces it on session$ and state$', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const { network } = scriptedNetwork({ scheduler });
      const lance = new Lance({ connector: network.connector, scheduler, keepaliveMs: 0 });
      // garbage bytes from the "server": not LWP, the stream can never be trusted again
      scheduler.schedule(() => network.last!.receive(new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\n')), 5);
      expectObservable(lance.session$().pipe(map((s) => s.epoch))).toBe(
        'a 4ms #',
        { a: 1 },
        expect.objectContaining({ code: 'INVALID_FRAME' }),
      );
      expectObservable(lance.state$().pipe(map((s) => s.type))).toBe('(ab) 1ms c', {
        a: 'connecting',
        b: 'connected',
        c: 'closed',
      });
    });
  });

  it('shares one socket per role, keeps it through the grace period, and closes it after', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const { network } = scriptedNetwork({ scheduler });
      const lance = new Lance({ connector: network.connector, scheduler, keepaliveMs: 0, graceMs: 50 });
      const s$ = lance.session$().pipe(map((s) => s.epoch));
      expectObservable(s$, '^ 9ms !').toBe('a', { a: 1 });
      expectObservable(s$, '-- 20ms ^ 9ms !').toBe('-- 20ms a', { a: 1 }); // rejoined within grace: same socket
      expectObservable(s$, '-- 100ms ^ 9ms !').toBe('-- 100ms a', { a: 2 }); // after grace: a new one
      expectObservable(lance.session$('producer:1').pipe(map((s) => s.epoch)), '^ 9ms !').toBe('a', { a: 1 });
      scheduler.schedule(() => expect(network.sockets.map((s) => s.closed)).toEqual([false, false]), 5);
      scheduler.schedule(() => expect(network.sockets.map((s) => s.closed)).toEqual([true, true, true]), 200);
      void cold;
    });
  });
});
