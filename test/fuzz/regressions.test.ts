/**
 * Regression tests for bugs found by fuzzing, each with the cause it had and the fix it got.
 */
import { decodeTopicInfo, decodeTopicList } from '../../src/wire/payloads/topic-response';
import { isLanceError } from '../../src/wire/errors';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('TopicResponse created_at beyond the range of Date', () => {
  /*
   * FIXED (was): src/wire/payloads/topic-response.ts, `topicInfoFromJson`: `new Date(asNumber(created_at) * 1000)`
   * accepts any safe integer, but a Date only holds ±8.64e15 ms, so created_at > 8_640_000_000_000
   * gives an Invalid Date instead of a typed error. It then escapes as an untyped RangeError from
   * `createdAt.toISOString()`, e.g. in `lnc topics` (src/cli/commands/topics.ts:21).
   *
   * The fix: in topicInfoFromJson, refuse it as malformed server data:
   *     const secs = asNumber(o['created_at'], 'topic.created_at');
   *     if (secs > 8_640_000_000_000) throw new InvalidFrameError('topic.created_at: out of range');
   */
  it.each([
    [
      'decodeTopicInfo',
      () => decodeTopicInfo(utf8('{"created_at":9007199254740991,"id":1,"name":"a","topic_epoch":1}')).createdAt,
    ],
    [
      'decodeTopicList',
      () =>
        decodeTopicList(utf8('{"topics":[{"created_at":8640000000001,"id":1,"name":"a","topic_epoch":1}]}'))[0]!
          .createdAt,
    ],
  ])('%s: a typed error, or a valid Date', (_name, decode) => {
    let date: Date | undefined;
    try {
      date = decode();
    } catch (err) {
      expect(isLanceError(err)).toBe(true);
      return;
    }
    expect(Number.isNaN(date.getTime())).toBe(false);
  });
});
