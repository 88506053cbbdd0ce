import { map, mergeMap, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Lance } from '../../src/rx/lance';
import { frameKind } from '../../src/wire/control';
import { encodeAck, encodeKeepalive } from '../../src/wire/control';
import { scriptedNetwork } from '../rx/fake-server';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('connection core: keepalive (virtual time)', () => {
  it('sends a Keepalive after each idle period and takes the echo as a pong', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({ scheduler, replyDelayMs: 3 });
      const lance = new Lance({ connector: s.network.connector, scheduler, keepaliveMs: 100, requestTimeoutMs: 50 });
      expectObservable(lance.session$().pipe(map((x) => x.epoch)), '^ 350ms !').toBe('a', { a: 1 });
      // pings at 100, 203 (100 after the echo at 103), 306; never more than one socket
      scheduler.schedule(() => {
        expect(s.received[0]!.map((f) => frameKind(f))).toEqual(['keepalive', 'keepalive', 'keepalive']);
        expect(s.network.sockets).toHaveLength(1);
      }, 349);
    });
  });

  it('incoming frames count as traffic: no Keepalive while the server is talking', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({ scheduler });
      const lance = new Lance({ connector: s.network.connector, scheduler, keepaliveMs: 100 });
      expectObservable(lance.session$().pipe(map((x) => x.epoch)), '^ 250ms !').toBe('a', { a: 1 });
      for (let t = 60; t < 250; t += 60) scheduler.schedule(() => s.network.last!.receive(encodeKeepalive()), t);
      scheduler.schedule(() => expect(s.received[0] ?? []).toHaveLength(0), 249);
    });
  });

  it('no echo within the request timeout: dead peer → session killed → reconnect', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({ scheduler, echoKeepalive: (socket) => socket !== s.network.sockets[0] });
      const lance = new Lance({
        connector: s.network.connector,
        scheduler,
        keepaliveMs: 100,
        requestTimeoutMs: 30,
        reconnect: { baseMs: 10, random: () => 1 },
      });
      // ping at 100, no pong by 130 → killed; reconnect after 10 ms → epoch 2 at 140
      expectObservable(lance.session$().pipe(map((x) => x.epoch)), '^ 200ms !').toBe('a 139ms b', { a: 1, b: 2 });
      const died = lance.session$().pipe(
        take(1),
        mergeMap((x) => x.frames$),
      );
      expectObservable(died).toBe(
        '130ms #',
        undefined,
        expect.objectContaining({ code: 'CONNECTION', message: expect.stringContaining('dead peer') }),
      );
    });
  });

  it('never answers a keepalive the server sends on its own', () => {
    const scheduler = newScheduler();
    scheduler.run(() => {
      const s = scriptedNetwork({ scheduler });
      const lance = new Lance({ connector: s.network.connector, scheduler, keepaliveMs: 0 });
      lance.session$().subscribe();
      scheduler.schedule(() => s.network.last!.receive(encodeKeepalive()), 10);
      scheduler.schedule(() => expect(s.received[0] ?? []).toHaveLength(0), 20);
    });
  });

  it('ping$ measures one keepalive round trip on the control socket', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({ scheduler, replyDelayMs: 5 });
      const lance = new Lance({ connector: s.network.connector, scheduler, keepaliveMs: 0 });
      expectObservable(lance.ping$().pipe(map(() => 'pong'))).toBe('5ms (a|)', { a: 'pong' });
    });
  });
});

describe('connection core: frames$ (virtual time)', () => {
  it('carries every frame but keepalive echoes, across reconnects', () => {
    const scheduler = newScheduler();
    scheduler.run(({ expectObservable }) => {
      const s = scriptedNetwork({ scheduler });
      const lance = new Lance({
        connector: s.network.connector,
        scheduler,
        keepaliveMs: 0,
        reconnect: { baseMs: 10, random: () => 1 },
      });
      const ack = (n: bigint) => encodeAck(n);
      scheduler.schedule(() => s.network.last!.receive(ack(1n)), 5);
      scheduler.schedule(() => s.network.last!.receive(encodeKeepalive()), 6);
      scheduler.schedule(() => s.network.last!.fail(), 7);
      scheduler.schedule(() => s.network.last!.receive(ack(2n)), 20);
      expectObservable(lance.frames$('producer:1').pipe(map((f) => f.batchId)), '^ 30ms !').toBe('5ms a 14ms b', {
        a: 1n,
        b: 2n,
      });
    });
  });
});
