/**
 * Regression tests for bugs found by the security review, each with the cause it had and the fix it got.
 */
import { inspect } from 'node:util';
import { ClientConfig } from '../../src/client/config';
import { ProducerConfig } from '../../src/client/producer-config';
import { StandaloneConfig } from '../../src/client/standalone-config';
import { LanceClient } from '../../src/client/lance-client';
import { Command } from '../../src/wire/constants';
import { encodeAuthenticateResponse } from '../../src/wire/payloads/auth';
import { AuthenticationError } from '../../src/wire/errors';
import {
  type HostileServer,
  controlReply,
  isCommand,
  rejectionWithin,
  startHostileServer,
} from '../hostile/hostile-server';

const TOKEN = `tok-${Math.random().toString(36).slice(2)}-S3CR3T`;

let servers: HostileServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('a server that reflects the token in its refusal', () => {
  /*
   * HARDENED (low): src/rx/open-session.ts:57 and src/rx/lance.ts:167 build the
   * AuthenticationError message from the server's text verbatim ("authentication refused by
   * <addr>: <message>"). The Lance server never echoes the token, but a misconfigured proxy, a
   * debugging build or a hostile peer that does ("Invalid token 'tok-…'") puts the secret into
   * error messages, stacks and logs. The client knows the token it sent, so it can redact it.
   *
   * The fix: a helper `redact(text, token)` = `text.split(token).join('<redacted>')` (when token is
   * non-empty), applied to `r.message` in both places, and to `serverMessage`/message of errors from
   * `errorFromServerText` on a session that authenticated (e.g. an ErrorResponse to Authenticate).
   */
  it('AuthenticationError message and stack do not repeat the token', async () => {
    const srv = await startHostileServer(() => ({
      onFrame: (f, c) => {
        if (isCommand(f, Command.AUTHENTICATE)) {
          const sent = Buffer.from(f.payload).toString();
          c.write(
            controlReply(
              Command.AUTHENTICATE_RESPONSE,
              encodeAuthenticateResponse({ success: false, message: `Invalid token '${sent}'` }),
            ),
          );
        }
      },
    }));
    servers.push(srv);
    const err = await rejectionWithin(
      LanceClient.connect(ClientConfig.fromAddress(srv.address).withAuthToken(TOKEN)),
      2_000,
      'connect',
    );
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).not.toContain(TOKEN);
    expect((err as Error).stack).not.toContain(TOKEN);
  });
});

describe('the mTLS private key in configs', () => {
  /*
   * HARDENED (medium): ClientConfig / ProducerConfig / StandaloneConfig `toJSON()` and
   * `[inspect.custom]` (src/client/config.ts:126, producer-config.ts:127, standalone-config.ts:161) print
   * `tls` as given, so `console.log(config)` or `JSON.stringify(config)` writes the client's PEM
   * private key (`tls.key`) into logs. The token is redacted there; the key deserves the same.
   *
   * The fix: in the three toJSON()s, `tls: this.tls && { ...this.tls, ...(this.tls.key !== undefined ? { key: '<redacted>' } : {}) }`.
   */
  const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-SECRET-KEY\n-----END PRIVATE KEY-----\n';
  it.each([
    ['ClientConfig', () => new ClientConfig().withTls({ key: KEY, cert: 'CERT' })],
    ['ProducerConfig', () => new ProducerConfig().withTls({ key: KEY, cert: 'CERT' })],
    ['StandaloneConfig', () => new StandaloneConfig('c', 1).withTls({ key: KEY, cert: 'CERT' })],
  ])('%s: inspect and JSON.stringify do not print tls.key', (_n, make) => {
    const cfg = make();
    expect(inspect(cfg)).not.toContain('SECRET-KEY');
    expect(JSON.stringify(cfg)).not.toContain('SECRET-KEY');
    expect(cfg.tls?.key).toBe(KEY); // still usable by the transport
  });
});
