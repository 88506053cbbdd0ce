import { NEVER } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { idleKeepalive } from '../../src/rx/operators/idle-keepalive';
import { ConnectionError } from '../../src/wire/errors';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const tick = { t: undefined };

describe('idleKeepalive', () => {
  it('ticks every idleMs of silence, counting from subscription and from each tick', () => {
    newScheduler().run(({ expectObservable }) => {
      expectObservable(idleKeepalive(NEVER, { idleMs: 10 }), '^ 35ms !').toBe('10ms t 9ms t 9ms t', tick);
    });
  });

  it('restarts the countdown at every activity', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const activity = hot('----a-----------b---b');
      // a at 4 → tick at 14; b at 16 → next due at 26 is pushed to 30 by b at 20; then 40.
      expectObservable(idleKeepalive(activity, { idleMs: 10 }), '^ 45ms !').toBe('14ms t 15ms t 9ms t', tick);
    });
  });

  it('never ticks while activity is denser than idleMs', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const activity = hot('a--a--a--a--a--a--a--a--a--a--a');
      expectObservable(idleKeepalive(activity, { idleMs: 5 }), '^ 30ms !').toBe('');
    });
  });

  it('defaults to 10 s', () => {
    newScheduler().run(({ expectObservable }) => {
      expectObservable(idleKeepalive(NEVER), '^ 10000ms !').toBe('10000ms t', tick);
    });
  });

  it('completes or errors with the activity stream (the connection is gone)', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(idleKeepalive(cold('---------------|'), { idleMs: 10 })).toBe('10ms t 4ms |', tick);
      const reset = new ConnectionError('reset');
      expectObservable(idleKeepalive(cold('---#', undefined, reset), { idleMs: 10 })).toBe('---#', undefined, reset);
    });
  });
});
