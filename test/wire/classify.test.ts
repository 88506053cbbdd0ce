import {
  AuthenticationError,
  ForwardFailedError,
  InvalidTopicNameError,
  LanceError,
  NotLeaderError,
  RateLimitedError,
  ServerError,
  TopicAlreadyExistsError,
  TopicNotFoundError,
  errorFromServerText,
  parseHostPort,
} from './wire-api';

type Ctor = abstract new (...args: never[]) => LanceError;

// Every error string of PROTOCOL.md §3.2, with the class a caller can catch and whether retrying helps.
const table: [string, Ctor, boolean][] = [
  ['Authentication required', AuthenticationError, false],
  ['Unknown topic', TopicNotFoundError, false],
  ['FORWARD_FAILED: Unknown topic (metadata convergence)', ForwardFailedError, true],
  ['FORWARD_FAILED: Quorum not reached - required 2 ACKs, got 1', ForwardFailedError, true],
  ['FORWARD_FAILED: Leader address unknown', ForwardFailedError, true],
  ['FORWARD_FAILED: Failed to connect to leader: Connection refused (os error 111)', ForwardFailedError, true],
  ['FORWARD_FAILED: Failed to send to leader: Broken pipe (os error 32)', ForwardFailedError, true],
  ['FORWARD_FAILED: Failed to receive from leader: Invalid LWP response header from leader', ForwardFailedError, true],
  ['FORWARD_FAILED: Forward operation timed out', ForwardFailedError, true],
  ['FORWARD_FAILED: Connection pool exhausted', ForwardFailedError, true],
  ['FORWARD_FAILED: Leader not ready (apply/metadata catch-up)', ForwardFailedError, true],
  ['NOT_LEADER: redirect to 10.0.0.5:1992', NotLeaderError, true],
  ['NOT_LEADER: leader unknown', NotLeaderError, true],
  ['Topic name required', InvalidTopicNameError, false],
  ["Topic 'my-events' already exists", TopicAlreadyExistsError, false],
  ["Configuration error: Topic 'my-events' already exists", TopicAlreadyExistsError, false],
  [
    "Invalid data: Topic name 'a_b' contains invalid characters. Only alphanumeric characters (a-z, A-Z, 0-9) and dashes (-) are allowed",
    InvalidTopicNameError,
    false,
  ],
  ['Invalid data: Topic name must not be empty', InvalidTopicNameError, false],
  ['Failed to replicate topic creation: timeout', ServerError, false],
  ['Failed to replicate existing topic convergence: timeout', ServerError, false],
  ['Invalid create topic payload', ServerError, false],
  ['Invalid payload length', ServerError, false],
  ['Topic not found', TopicNotFoundError, false],
  ['Configuration error: Topic 7 not found', TopicNotFoundError, false],
  ['Topic 7 not found', TopicNotFoundError, false],
  ['Rate limit exceeded', RateLimitedError, true],
  ['Protocol error: Fetch request payload too small', ServerError, false],
  ['Fetch request payload required', ServerError, false],
  ['I/O error: No space left on device (os error 28)', ServerError, false],
  ['Invalid subscribe payload', ServerError, false],
  ['Invalid unsubscribe payload', ServerError, false],
  ['Invalid commit offset payload', ServerError, false],
  ['Invalid set retention payload', ServerError, false],
  ['Invalid client command', ServerError, false],
  ['Authentication handled at connection level', ServerError, false],
];

describe('server error text → typed error (PROTOCOL.md §3.2, §3.4)', () => {
  it.each(table)('%s', (text, ctor, retryable) => {
    const e = errorFromServerText(text);
    expect(e).toBeInstanceOf(ctor);
    expect(e.isRetryable()).toBe(retryable);
    expect(e.serverMessage).toBe(text);
  });

  it('parses the leader address of a redirect, IPv4 and IPv6', () => {
    expect((errorFromServerText('NOT_LEADER: redirect to 10.0.0.5:1992') as NotLeaderError).leaderAddr).toBe(
      '10.0.0.5:1992',
    );
    expect((errorFromServerText('NOT_LEADER: redirect to [::1]:1992') as NotLeaderError).leaderAddr).toBe('[::1]:1992');
    expect((errorFromServerText('NOT_LEADER: leader unknown') as NotLeaderError).leaderAddr).toBeUndefined();
    expect(parseHostPort('[::1]:1992')).toEqual({ host: '::1', port: 1992 });
    expect(parseHostPort('10.0.0.5:1992')).toEqual({ host: '10.0.0.5', port: 1992 });
    expect(parseHostPort('lance.internal:7')).toEqual({ host: 'lance.internal', port: 7 });
    expect(parseHostPort('no-port')).toBeUndefined();
    expect(parseHostPort('h:99999')).toBeUndefined();
  });

  it('keeps unknown text verbatim in a generic, non-retryable server error', () => {
    const e = errorFromServerText('Something new');
    expect(e.code).toBe('SERVER_ERROR');
    expect(e.message).toBe('Something new');
    expect(e.isRetryable()).toBe(false);
  });
});
