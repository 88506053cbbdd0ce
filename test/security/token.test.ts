/**
 * Auth tokens never leak: not in logs (console, stdout, stderr), error messages or stacks,
 * `util.inspect` (even with showHidden and customInspect off) or `JSON.stringify` of configs, clients
 * and errors, nor in any own property reachable from them (walked recursively, strings and bytes).
 */
import { inspect } from 'node:util';
import { ClientConfig } from '../../src/client/config';
import { LanceClient } from '../../src/client/lance-client';
import { Producer } from '../../src/client/producer';
import { ProducerConfig } from '../../src/client/producer-config';
import { StandaloneConfig } from '../../src/client/standalone-config';
import { StandaloneConsumer } from '../../src/client/standalone-consumer';
import { Lance } from '../../src/rx/lance';
import { Command } from '../../src/wire/constants';
import { encodeAuthenticateResponse } from '../../src/wire/payloads/auth';
import { AuthenticationError, isLanceError } from '../../src/wire/errors';
import {
  type HostileServer,
  controlReply,
  isCommand,
  rejectionWithin,
  startHostileServer,
} from '../hostile/hostile-server';

const TOKEN = `tok-${Math.random().toString(36).slice(2)}-S3CR3T`;
const TOKEN_BYTES = Buffer.from(TOKEN);

/**
 * Every place `root` could show the token: walks own properties (strings and symbols, enumerable or
 * not, getters not invoked), Map/Set entries, and checks strings and byte arrays. Returns the paths.
 */
function findToken(root: unknown, maxNodes = 200_000): string[] {
  const hits: string[] = [];
  const seen = new Set<unknown>();
  const queue: [unknown, string][] = [[root, '$']];
  let nodes = 0;
  while (queue.length > 0 && nodes++ < maxNodes) {
    const [v, path] = queue.shift()!;
    if (typeof v === 'string') {
      if (v.includes(TOKEN)) hits.push(path);
      continue;
    }
    if (typeof v !== 'object' && typeof v !== 'function') continue;
    if (v === null || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      if (Buffer.from(v.buffer, v.byteOffset, v.byteLength).includes(TOKEN_BYTES)) hits.push(path);
      continue;
    }
    if (v instanceof Map) for (const [k, x] of v) queue.push([k, `${path}<key>`], [x, `${path}.get(${String(k)})`]);
    if (v instanceof Set) for (const x of v) queue.push([x, `${path}<item>`]);
    for (const key of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (d === undefined || !('value' in d)) continue;
      queue.push([d.value, `${path}.${String(key)}`]);
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== null && proto !== Object.prototype && proto !== Function.prototype)
      queue.push([proto, `${path}.__proto__`]);
  }
  return hits;
}

/** All the ways a value gets printed. */
function renderings(v: unknown): string[] {
  const out = [
    inspect(v),
    inspect(v, { depth: 8, showHidden: true }),
    inspect(v, { depth: 8, showHidden: true, customInspect: false, getters: false }),
    String(v),
  ];
  try {
    out.push(JSON.stringify(v) ?? '');
  } catch {
    // circular structures cannot be stringified; nothing printed then
  }
  if (v instanceof Error) out.push(v.message, v.stack ?? '', inspect(v.cause, { depth: 8, showHidden: true }));
  return out;
}

const expectNoToken = (v: unknown, what: string): void => {
  for (const r of renderings(v)) expect({ what, leaked: r.includes(TOKEN) }).toEqual({ what, leaked: false });
  expect({ what, paths: findToken(v) }).toEqual({ what, paths: [] });
};

// ----- log capture --------------------------------------------------------------------------------

let logged: string[] = [];
const restore: (() => void)[] = [];
beforeEach(() => {
  logged = [];
  for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const orig = console[m];
    console[m] = (...args: unknown[]) =>
      void logged.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 8 }))).join(' '));
    restore.push(() => (console[m] = orig));
  }
  for (const stream of [process.stdout, process.stderr]) {
    const orig = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      return (orig as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = orig));
  }
});

let servers: HostileServer[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  for (const r of restore.splice(0)) r();
  expect(logged.filter((l) => l.includes(TOKEN))).toEqual([]);
});

/** A server that checks the token: accepts TOKEN when `accept`, answers ListTopics, acks ingests. */
async function authServer(
  accept: boolean,
  message = accept ? 'Authenticated' : 'Invalid token',
): Promise<HostileServer> {
  const s = await startHostileServer(() => ({
    echoKeepalives: true,
    onFrame: (f, c) => {
      if (isCommand(f, Command.AUTHENTICATE)) {
        const ok = accept && Buffer.from(f.payload).toString() === TOKEN;
        c.write(
          controlReply(
            Command.AUTHENTICATE_RESPONSE,
            encodeAuthenticateResponse({ success: ok, message: ok ? message : message }),
          ),
        );
      } else if (isCommand(f, Command.LIST_TOPICS)) c.write(controlReply(Command.TOPIC_RESPONSE, '{"topics":[]}'));
    },
  }));
  servers.push(s);
  return s;
}

describe('configs never show the token', () => {
  it.each([
    ['ClientConfig', () => ClientConfig.fromAddress('127.0.0.1:1992').withAuthToken(TOKEN).withRequestTimeout(5)],
    ['ProducerConfig', () => new ProducerConfig().withAuthToken(TOKEN).withLingerMs(1)],
    ['StandaloneConfig', () => new StandaloneConfig('c', 1).withAuthToken(TOKEN).withPollTimeout(5)],
  ] as [string, () => { toLanceOptions(servers: string[]): object }][])(
    '%s: inspect, JSON.stringify, String and every own property',
    (_n, make) => {
      const cfg = make();
      expectNoToken(cfg, _n);
      expect(JSON.stringify(cfg)).toContain('<redacted>');
      // ...while the core still gets it (positive control for findToken).
      expect(findToken(cfg.toLanceOptions(['127.0.0.1:1992']))).toEqual(['$.token']);
    },
  );

  it('findToken finds the token wherever it hides (positive control)', () => {
    const hidden = { a: [{ b: new Map([['k', { c: `x${TOKEN}y` }]]) }], d: new Set([Buffer.from(`..${TOKEN}`)]) };
    Object.defineProperty(hidden, 'e', { value: TOKEN, enumerable: false });
    expect(findToken(hidden).sort()).toEqual(['$.a.0.b.get(k).c', '$.d<item>', '$.e']);
    class WithProto {}
    Object.defineProperty(WithProto.prototype, 'p', { value: TOKEN });
    expect(findToken(new WithProto())).toEqual(['$.__proto__.p']);
  });
});

describe('live clients never show the token', () => {
  it('LanceClient and its Lance after an accepted authentication', async () => {
    const srv = await authServer(true);
    const client = await LanceClient.connect(ClientConfig.fromAddress(srv.address).withAuthToken(TOKEN));
    cleanups.push(() => client.close());
    expect(await client.listTopics()).toEqual([]);
    expect(Buffer.from(srv.conns[0]!.received[0]!.payload).toString()).toBe(TOKEN); // it was sent
    expectNoToken(client, 'LanceClient');
    expectNoToken(client.lance, 'Lance');
    expectNoToken(client.lance.options, 'Lance.options');
  });

  it('Lance (Rx) with `token` and after authenticate()', async () => {
    const srv = await authServer(true);
    const lance = new Lance({ servers: [srv.address], token: TOKEN });
    cleanups.push(() => lance.close());
    await lance.ping();
    await lance.authenticate(TOKEN);
    expectNoToken(lance, 'Lance');
  });

  it('Producer after an accepted authentication', async () => {
    const srv = await authServer(true);
    const producer = await Producer.connect(srv.address, new ProducerConfig().withAuthToken(TOKEN));
    cleanups.push(() => producer.close({ timeoutMs: 10 }));
    expectNoToken(producer, 'Producer');
  });
});

describe('errors of a refused authentication never carry the token', () => {
  const check = (err: unknown, what: string): void => {
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(isLanceError(err)).toBe(true);
    expectNoToken(err, what);
    // And every own property of the error, its cause chain included, by name.
    const names: string[] = [];
    for (let e: unknown = err; e instanceof Error; e = e.cause) names.push(...Object.getOwnPropertyNames(e));
    expect(names.length).toBeGreaterThan(0);
  };

  it('LanceClient.connect', async () => {
    const srv = await authServer(false);
    check(
      await rejectionWithin(
        LanceClient.connect(ClientConfig.fromAddress(srv.address).withAuthToken(TOKEN)),
        2_000,
        'connect',
      ),
      'connect error',
    );
  });

  it('LanceClient.authenticate and Lance.authenticate', async () => {
    const srv = await authServer(false);
    const client = await LanceClient.connect(ClientConfig.fromAddress(srv.address));
    cleanups.push(() => client.close());
    check(await rejectionWithin(client.authenticate(TOKEN), 2_000, 'authenticate'), 'authenticate error');
  });

  it('Producer.connect and StandaloneConsumer.connect', async () => {
    const srv = await authServer(false);
    check(
      await rejectionWithin(
        Producer.connect(srv.address, new ProducerConfig().withAuthToken(TOKEN)),
        2_000,
        'producer',
      ),
      'producer error',
    );
    check(
      await rejectionWithin(
        StandaloneConsumer.connect(srv.address, new StandaloneConfig('c', 1).withAuthToken(TOKEN)),
        2_000,
        'consumer',
      ),
      'consumer error',
    );
  });

  it('Rx session$ and state$ of a refused token', async () => {
    const srv = await authServer(false);
    const lance = new Lance({ servers: [srv.address], token: TOKEN });
    cleanups.push(() => lance.close());
    const states: unknown[] = [];
    lance.state$().subscribe((s) => states.push(s));
    const err = await rejectionWithin(lance.request(Command.LIST_TOPICS), 2_000, 'request');
    check(err, 'request error');
    expectNoToken(states, 'states');
    expectNoToken(lance, 'Lance after refusal');
  });

  it('a timed-out authentication (silent server) leaks nothing either', async () => {
    const s = await startHostileServer(() => ({}));
    servers.push(s);
    const err = await rejectionWithin(
      LanceClient.connect(
        ClientConfig.fromAddress(s.address)
          .withAuthToken(TOKEN)
          .withRequestTimeout(100)
          .withReconnect({ baseMs: 5, maxMs: 10 }),
      ),
      2_000,
      'connect',
    );
    expect(isLanceError(err)).toBe(true);
    expectNoToken(err, 'timeout error');
  });
});
