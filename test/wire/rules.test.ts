import {
  InvalidArgumentError,
  InvalidTopicNameError,
  NO_AGE_LIMIT,
  NO_BYTES_LIMIT,
  isValidTopicName,
  retentionValues,
  validateTopicName,
} from './wire-api';

describe('topic names (PROTOCOL.md §2.3.3)', () => {
  it.each(['a', 'my-events', 'ABC-123', '-'])('accepts %s', (n) => expect(validateTopicName(n)).toBe(n));
  it.each(['', 'a_b', 'a.b', 'a b', 'a/b', 'é', '../x'])('rejects %j before it reaches the wire', (n) => {
    expect(isValidTopicName(n)).toBe(false);
    expect(() => validateTopicName(n)).toThrow(InvalidTopicNameError);
  });
});

describe('retention values (PROTOCOL.md §2.5)', () => {
  it('encodes an omitted limit as "no limit", never as 0', () => {
    expect(retentionValues({})).toEqual({ maxAgeSecs: NO_AGE_LIMIT, maxBytes: NO_BYTES_LIMIT });
    expect(NO_BYTES_LIMIT).toBe(0xffff_ffff_ffff_ffffn);
    // The server multiplies by 1e9 in u64; "no limit" must not overflow.
    expect(NO_AGE_LIMIT * 1_000_000_000n).toBeLessThan(2n ** 64n);
    expect(retentionValues({ maxAgeSecs: 86400, maxBytes: 1n << 30n })).toEqual({
      maxAgeSecs: 86400n,
      maxBytes: 1n << 30n,
    });
  });

  it('refuses an explicit 0 with an error that says it would delete data', () => {
    expect(() => retentionValues({ maxAgeSecs: 0 })).toThrow(/delete/);
    expect(() => retentionValues({ maxBytes: 0n })).toThrow(InvalidArgumentError);
  });

  it('refuses negative, fractional and overflowing values', () => {
    expect(() => retentionValues({ maxAgeSecs: -1 })).toThrow(InvalidArgumentError);
    expect(() => retentionValues({ maxAgeSecs: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => retentionValues({ maxAgeSecs: 18_446_744_074n })).toThrow(InvalidArgumentError);
  });
});
