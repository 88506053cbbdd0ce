import { StandaloneConfig } from '../../src/client/standalone-config';
import { SeekPosition } from '../../src/rx/consumer/seek-position';
import { InvalidArgumentError } from '../../src/wire/errors';

describe('StandaloneConfig', () => {
  it('has the README defaults', () => {
    const c = new StandaloneConfig('my-consumer', 1);
    expect(c).toMatchObject({
      consumerName: 'my-consumer',
      topicId: 1,
      maxFetchBytes: 1_048_576,
      startPosition: SeekPosition.BEGINNING,
      offsetDir: undefined,
      autoCommitIntervalMs: 5_000,
      pollIntervalMs: 100,
      pollTimeoutMs: 100,
      connectTimeoutMs: 10_000,
      serverCommit: true,
      closeTimeoutMs: undefined,
    });
  });

  it('builders return new configs and leave the original alone', () => {
    const a = new StandaloneConfig('c', 2);
    const b = a
      .withMaxFetchBytes(65_536)
      .withStartPosition(SeekPosition.END)
      .withOffsetDir('/tmp/x')
      .withAutoCommitInterval(1_000)
      .withPollInterval(5)
      .withPollTimeout(0)
      .withConnectTimeout(50)
      .withAuthToken('secret');
    expect(a.maxFetchBytes).toBe(1_048_576);
    expect(b).toMatchObject({
      maxFetchBytes: 65_536,
      startPosition: SeekPosition.END,
      offsetDir: '/tmp/x',
      autoCommitIntervalMs: 1_000,
      pollIntervalMs: 5,
      pollTimeoutMs: 0,
    });
    expect(b.withManualCommit().autoCommitIntervalMs).toBe(false);
    expect(b.withCloseTimeoutMs(0).closeTimeoutMs).toBe(0);
    expect(b.withCloseTimeoutMs(2_500).withPollTimeout(7)).toMatchObject({ closeTimeoutMs: 2_500, pollTimeoutMs: 7 });
    expect(JSON.stringify(b)).not.toContain('secret');
    expect(b.toLanceOptions(['h:1'])).toMatchObject({ servers: ['h:1'], connectTimeoutMs: 50, token: 'secret' });
  });

  it('rejects bad values', () => {
    const c = new StandaloneConfig('c', 1);
    expect(() => c.withMaxFetchBytes(0)).toThrow(InvalidArgumentError);
    expect(() => c.withAutoCommitInterval(0)).toThrow(InvalidArgumentError);
    expect(() => c.withPollInterval(-1)).toThrow(InvalidArgumentError);
    expect(() => c.withCloseTimeoutMs(-1)).toThrow(InvalidArgumentError);
    expect(() => c.withCloseTimeoutMs(Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => new StandaloneConfig('c', -1)).toThrow(InvalidArgumentError);
    expect(() => SeekPosition.offset(-1)).toThrow(InvalidArgumentError);
    expect(SeekPosition.offset(42)).toEqual({ kind: 'offset', offset: 42n });
  });
});
