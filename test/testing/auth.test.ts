/** Token authentication (PROTOCOL.md §2.3.10, §6.7): only ingest is gated, per connection. */
import { Command, decodeAuthenticateResponse, encodeControl } from '../../src/wire';
import { commandOfFrame, createTopic, errorText, fetch, ingest, isAck, tlv } from './helpers/frames';
import { Harness } from './helpers/harness';

const h = new Harness();
afterEach(() => h.cleanup());

const auth = (token: Uint8Array | string) =>
  encodeControl(Command.AUTHENTICATE, typeof token === 'string' ? Buffer.from(token) : token);

describe('Authenticate (§2.3.10, §6.7)', () => {
  it('gates only ingest: "Authentication required", no ack, connection kept; control commands need no auth', async () => {
    const server = await h.start({ authTokens: ['secret', 'other'] });
    const c = await h.connect(server);
    c.send(createTopic('t'), ingest(1, 1, tlv('x')), fetch(1, 0, 10));
    const [created, denied, fetched] = await c.next(3);
    expect(commandOfFrame(created!)).toBe(Command.TOPIC_RESPONSE);
    expect(errorText(denied!)).toBe('Authentication required');
    expect(commandOfFrame(fetched!)).toBe(Command.FETCH_RESPONSE);
    c.send(auth('other'), ingest(2, 1, tlv('x')));
    const [ok, ack] = await c.next(2);
    expect(decodeAuthenticateResponse(ok!.payload)).toEqual({ success: true, message: 'Authenticated' });
    expect(isAck(ack!, 2)).toBe(true);
    // Authentication is per connection.
    const d = await h.connect(server);
    d.send(ingest(3, 1, tlv('x')));
    expect(errorText(await d.nextOne())).toBe('Authentication required');
  });

  it('the auth gate comes before the topic check', async () => {
    const c = await h.connect(await h.start({ authTokens: ['s'] }));
    c.send(ingest(1, 99, tlv('x')));
    expect(errorText(await c.nextOne())).toBe('Authentication required');
  });

  it('answers "Invalid token", "No token provided", "Invalid token encoding"', async () => {
    const c = await h.connect(await h.start({ authTokens: ['secret'] }));
    c.send(auth('nope'), encodeControl(Command.AUTHENTICATE), auth(Uint8Array.of(0xff, 0xfe)));
    const replies = (await c.next(3)).map((f) => {
      expect(commandOfFrame(f)).toBe(Command.AUTHENTICATE_RESPONSE);
      return decodeAuthenticateResponse(f.payload);
    });
    expect(replies).toEqual([
      { success: false, message: 'Invalid token' },
      { success: false, message: 'No token provided' },
      { success: false, message: 'Invalid token encoding' },
    ]);
  });

  it('without tokens, ingest is not gated (an empty token list means no auth)', async () => {
    const c = await h.connect(await h.start({ authTokens: [] }));
    c.send(createTopic('t'), ingest(1, 1, tlv('x')));
    const [, ack] = await c.next(2);
    expect(isAck(ack!, 1)).toBe(true);
  });
});
