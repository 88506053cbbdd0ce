/**
 * Receive-side limits and input validation:
 * - `maxPayloadLength` is enforced on what the server sends (typed, fatal, nothing buffered);
 * - topic names are validated before anything reaches the wire (the server sees NOTHING);
 * - consumer names cannot make the file offset store write outside its directory.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { ClientConfig } from '../../src/client/config';
import { LanceClient } from '../../src/client/lance-client';
import { StandaloneConfig } from '../../src/client/standalone-config';
import { StandaloneConsumer } from '../../src/client/standalone-consumer';
import { FileOffsetStore } from '../../src/offsets/file-offset-store';
import { createTopic$, createTopicWithRetention$ } from '../../src/rx/admin';
import { ensureTopic$ } from '../../src/rx/ensure-topic';
import { Lance } from '../../src/rx/lance';
import { Command } from '../../src/wire/constants';
import { encodeControl } from '../../src/wire/control';
import { InvalidArgumentError, InvalidFrameError, InvalidTopicNameError, isLanceError } from '../../src/wire/errors';
import {
  type HostileServer,
  isCommand,
  rejectionWithin,
  settleWithin,
  startHostileServer,
} from '../hostile/hostile-server';

let servers: HostileServer[] = [];
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
const serve = async (...a: Parameters<typeof startHostileServer>): Promise<HostileServer> => {
  const s = await startHostileServer(...a);
  servers.push(s);
  return s;
};

describe('the receive-side frame limit (maxPayloadLength)', () => {
  const LIMIT = 1024;
  /** A ClusterStatusResponse whose payload is exactly `n` bytes of valid JSON. */
  const statusOfSize = (n: number): Uint8Array => {
    const base =
      '{"current_term":1,"healthy_nodes":1,"is_leader":true,"leader_id":1,"node_count":1,"node_id":1,"peer_states":{},"quorum_available":true,"pad":""}';
    const json = base.replace('"pad":""', `"pad":"${'x'.repeat(n - base.length)}"`);
    return encodeControl(Command.CLUSTER_STATUS_RESPONSE, new TextEncoder().encode(json));
  };

  it('a payload of exactly the limit is accepted, one byte more is an InvalidFrameError (Rx)', async () => {
    let size = LIMIT;
    const srv = await serve(() => ({
      onFrame: (f, c) => {
        if (isCommand(f, Command.GET_CLUSTER_STATUS)) c.write(statusOfSize(size));
      },
    }));
    const lance = new Lance({ servers: [srv.address], maxPayloadLength: LIMIT, reconnect: { baseMs: 5, maxMs: 10 } });
    cleanups.push(() => lance.close());
    expect(await settleWithin(lance.request(Command.GET_CLUSTER_STATUS), 1_000)).toMatchObject({ status: 'fulfilled' });
    size = LIMIT + 1;
    const err = await rejectionWithin(lance.request(Command.GET_CLUSTER_STATUS), 1_000, 'request');
    expect(err).toBeInstanceOf(InvalidFrameError);
    expect((err as Error).message).toMatch(/1025 exceeds the limit of 1024/);
  });

  it('LanceClient: the limit from lanceOptions applies to every reply', async () => {
    const srv = await serve(() => ({
      onFrame: (f, c) => {
        if (isCommand(f, Command.GET_CLUSTER_STATUS)) c.write(statusOfSize(LIMIT * 4));
      },
    }));
    const client = await LanceClient.connect(ClientConfig.fromAddress(srv.address), {
      lanceOptions: { maxPayloadLength: LIMIT },
    });
    cleanups.push(() => client.close());
    expect(await rejectionWithin(client.getClusterStatus(), 1_000, 'getClusterStatus')).toBeInstanceOf(
      InvalidFrameError,
    );
  });
});

describe('topic names are validated before they reach the wire', () => {
  const BAD = [
    '../etc',
    '..',
    '',
    'a/b',
    'a b',
    'a\u0000b',
    'é',
    'topic;DROP',
    'a\nb',
    '%2e%2e',
    'a'.repeat(70_000) + '/',
  ];

  it.each(BAD.map((n) => [JSON.stringify(n).slice(0, 30), n]))(
    '%s: InvalidTopicNameError, and the server received nothing',
    async (_l, name) => {
      const srv = await serve(() => ({}));
      const client = await LanceClient.connect(ClientConfig.fromAddress(srv.address).withKeepaliveInterval(0));
      cleanups.push(() => client.close());
      const lance = new Lance({ servers: [srv.address], keepaliveMs: 0 });
      cleanups.push(() => lance.close());
      const calls: [string, () => Promise<unknown>][] = [
        ['createTopic', () => client.createTopic(name)],
        ['createTopicWithRetention', () => client.createTopicWithRetention(name, { maxAgeSecs: 60 })],
        ['ensureTopic', () => client.ensureTopic(name, { attempts: 1 })],
        ['createTopic$', () => firstValueFrom(createTopic$(lance, name))],
        ['createTopicWithRetention$', () => firstValueFrom(createTopicWithRetention$(lance, name, {}))],
        ['ensureTopic$', () => firstValueFrom(ensureTopic$(lance, name, { attempts: 1 }))],
      ];
      for (const [what, call] of calls) {
        const err = await rejectionWithin(call(), 1_000, what);
        expect({ what, typed: err instanceof InvalidTopicNameError }).toEqual({ what, typed: true });
      }
      expect(srv.allReceived()).toEqual([]);
      expect(srv.conns.reduce((n, c) => n + c.bytesIn, 0)).toBe(0);
    },
  );
});

describe('consumer names cannot escape the offset directory', () => {
  let root: string;
  let base: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lnc-sec-offsets-'));
    base = join(root, 'base');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const BAD = [
    '../x',
    '..',
    '.',
    '',
    ' .. ',
    '../../etc',
    'a/b',
    'a\\b',
    '/abs',
    'x\u0000y',
    `..${'/'}..${'/'}x`,
    './x',
  ];

  it.each(BAD.map((n) => [JSON.stringify(n), n]))(
    'FileOffsetStore.open(dir, %s) rejects with InvalidArgumentError; no file is created',
    async (_l, name) => {
      const err = await rejectionWithin(FileOffsetStore.open(base, name), 1_000, 'open');
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(readdirSync(root)).toEqual([]); // not even the base directory
      expect(existsSync(join(root, 'x'))).toBe(false);
    },
  );

  it('a valid name stays one level below the base directory', async () => {
    const store = await FileOffsetStore.open(base, 'ok-name');
    cleanups.push(() => store.close());
    await store.save(1, 2n, 30n);
    expect(readdirSync(root)).toEqual(['base']);
    expect(readdirSync(base)).toEqual(['ok-name']);
    expect(store.offsetPath(1, 2n).startsWith(join(base, 'ok-name'))).toBe(true);
  });

  it('StandaloneConsumer with a traversing consumer name fails before writing anything', async () => {
    const srv = await serve(() => ({}));
    const err = await rejectionWithin(
      StandaloneConsumer.connect(srv.address, new StandaloneConfig('../x', 1).withOffsetDir(base)),
      2_000,
      'connect',
    );
    expect(isLanceError(err)).toBe(true);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(readdirSync(root)).toEqual([]);
  });
});
