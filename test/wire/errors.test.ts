import * as errors from '../../src/wire/errors';
import {
  ConnectionError,
  LanceError,
  NotLeaderError,
  TimeoutError,
  TopicNotFoundError,
  isLanceError,
} from '../../src/wire/errors';
import { TlsVerificationError } from '../../src/transport/errors';

describe('LanceError', () => {
  it('answers instanceof by code, so a copy of the class from another module instance matches', () => {
    const e = new ConnectionError('reset');
    expect(e).toBeInstanceOf(LanceError);
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e).not.toBeInstanceOf(TopicNotFoundError);
    expect(e.isRetryable()).toBe(true);
    expect(e.name).toBe('ConnectionError');
    // A structurally identical error made by another copy of the module carries the same brand.
    const foreign = Object.assign(new Error('x'), { code: 'TOPIC_NOT_FOUND' });
    Object.defineProperty(foreign, Symbol.for('lnc-client.LanceError'), { value: true });
    expect(foreign).toBeInstanceOf(TopicNotFoundError);
    expect(isLanceError(new Error('plain'))).toBe(false);
  });

  it('answers for classes too: Sub.prototype instanceof LanceError, as code that sorts error classes asks', () => {
    const classes = Object.values(errors).filter(
      (v): v is typeof LanceError => typeof v === 'function' && v.prototype instanceof Error,
    );
    expect(classes.length).toBeGreaterThan(15);
    for (const C of classes) {
      if (C === LanceError) continue;
      expect([C.name, C.prototype instanceof LanceError]).toEqual([C.name, true]);
    }
    expect(TlsVerificationError.prototype instanceof ConnectionError).toBe(true);
    expect(TimeoutError.prototype instanceof ConnectionError).toBe(false);
    expect(new TimeoutError('t')).not.toBeInstanceOf(ConnectionError);
    expect(Error.prototype instanceof LanceError).toBe(false);
  });

  it('keeps the server text and the leader address', () => {
    const e = new NotLeaderError('not leader', '[::1]:1992', { serverMessage: 'NOT_LEADER: redirect to [::1]:1992' });
    expect(e.leaderAddr).toBe('[::1]:1992');
    expect(e.serverMessage).toBe('NOT_LEADER: redirect to [::1]:1992');
    expect(e.code).toBe('NOT_LEADER');
  });
});
