import { ConnectionError, LanceError, NotLeaderError, TopicNotFoundError, isLanceError } from '../../src/wire/errors';

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

  it('keeps the server text and the leader address', () => {
    const e = new NotLeaderError('not leader', '[::1]:1992', { serverMessage: 'NOT_LEADER: redirect to [::1]:1992' });
    expect(e.leaderAddr).toBe('[::1]:1992');
    expect(e.serverMessage).toBe('NOT_LEADER: redirect to [::1]:1992');
    expect(e.code).toBe('NOT_LEADER');
  });
});
