/**
 * A scripted, misbehaving LWP peer on loopback (node:net) for the hostile-server suite.
 *
 * Each accepted connection gets a `Script` (chosen by connection index, from 0): `onAccept` runs
 * first (send garbage, floods, unsolicited frames, or nothing at all), then `onFrame` is called for
 * every frame the client sends, decoded with the real `FrameDecoder`. Every frame and every byte the
 * client sent is recorded per connection, so tests can assert what the client did (and did not) send.
 * Keepalives are NOT echoed unless the script does it (`echoKeepalives`).
 */
import * as net from 'node:net';
import { FrameDecoder } from '../../src/wire/decoder';
import { Command, Flags, HEADER_SIZE, MAGIC, PROTOCOL_VERSION } from '../../src/wire/constants';
import { commandOf, encodeControl, encodeKeepalive, frameKind } from '../../src/wire/control';
import { headerCrc, type Frame } from '../../src/wire/frame';
import { utf8, writeU32, writeU64 } from '../../src/wire/bytes';
import { ClientConfig } from '../../src/client/config';
import { LanceClient } from '../../src/client/lance-client';

export interface Conn {
  readonly index: number;
  readonly socket: net.Socket;
  /** Frames the client sent on this connection, in order. */
  readonly received: Frame[];
  /** Bytes the client sent on this connection. */
  bytesIn: number;
  /** Set when the client's bytes could not be decoded (the client spoke garbage). */
  decodeError: unknown;
  write(bytes: Uint8Array | readonly Uint8Array[]): void;
}

export interface Script {
  onAccept?(conn: Conn): void;
  onFrame?(frame: Frame, conn: Conn): void;
  /** Echo the client's keepalives (a well-behaved server does). Default false. */
  readonly echoKeepalives?: boolean;
}

export interface HostileServer {
  readonly address: string;
  readonly port: number;
  readonly conns: Conn[];
  /** Frames the client sent, over all connections. */
  allReceived(): Frame[];
  close(): Promise<void>;
}

export async function startHostileServer(scriptFor: (index: number) => Script): Promise<HostileServer> {
  const conns: Conn[] = [];
  const server = net.createServer((socket) => {
    const script = scriptFor(conns.length);
    const decoder = new FrameDecoder();
    const conn: Conn = {
      index: conns.length,
      socket,
      received: [],
      bytesIn: 0,
      decodeError: undefined,
      write: (bytes) => {
        if (socket.destroyed) return;
        for (const b of bytes instanceof Uint8Array ? [bytes] : bytes) socket.write(b);
      },
    };
    conns.push(conn);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      conn.bytesIn += chunk.length;
      if (conn.decodeError !== undefined) return;
      let frames: Frame[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        conn.decodeError = err;
        return;
      }
      for (const f of frames) {
        conn.received.push(f);
        if (frameKind(f) === 'keepalive') {
          if (script.echoKeepalives) conn.write(encodeKeepalive());
          continue;
        }
        script.onFrame?.(f, conn);
      }
    });
    script.onAccept?.(conn);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    conns,
    allReceived: () => conns.flatMap((c) => c.received),
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) c.socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// ----- building hostile bytes ---------------------------------------------------------------------

/**
 * A header with a valid CRC announcing `payloadLength` bytes (any u32, e.g. 0xFFFF_FFFF = 4 GiB),
 * without the payload. The payload CRC field is arbitrary.
 */
export function lyingHeader(
  payloadLength: number,
  flags: number = Flags.CONTROL,
  batchId: bigint = BigInt(Command.TOPIC_RESPONSE),
): Uint8Array {
  const b = new Uint8Array(HEADER_SIZE);
  b.set(MAGIC, 0);
  b[4] = PROTOCOL_VERSION;
  b[5] = flags;
  writeU32(b, 8, headerCrc(flags));
  writeU64(b, 12, batchId);
  writeU32(b, 32, payloadLength);
  writeU32(b, 36, 0xdeadbeef);
  return b;
}

export const controlReply = (command: number, payload?: Uint8Array | string): Uint8Array =>
  encodeControl(command, typeof payload === 'string' ? utf8(payload) : payload);

export const topicJson = (id: number, name: string): string =>
  `{"created_at":1706918400,"id":${id},"name":"${name}","topic_epoch":1}`;

export const isCommand = (f: Frame, command: number): boolean => frameKind(f) === 'control' && commandOf(f) === command;

// ----- bounded waiting ------------------------------------------------------------------------------

export type Settled<T> =
  { readonly status: 'fulfilled'; readonly value: T } | { readonly status: 'rejected'; readonly reason: unknown };

/**
 * Waits for `p` at most `ms`; fails the test (throws) if it has not settled by then. A hostile peer
 * must never make a client promise hang.
 */
export async function settleWithin<T>(p: Promise<T>, ms: number, what = 'operation'): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), ms);
  });
  const settled = p.then(
    (value): Settled<T> => ({ status: 'fulfilled', value }),
    (reason: unknown): Settled<T> => ({ status: 'rejected', reason }),
  );
  const r = await Promise.race([settled, hang]);
  clearTimeout(timer);
  if (r === 'hang') throw new Error(`${what} did not settle within ${ms} ms`);
  return r;
}

/** The rejection reason of `p`, which must reject within `ms`. */
export async function rejectionWithin(p: Promise<unknown>, ms: number, what = 'operation'): Promise<unknown> {
  const r = await settleWithin(p, ms, what);
  if (r.status === 'fulfilled') throw new Error(`${what} resolved but was expected to reject`);
  return r.reason;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `pred` every 5 ms until it holds, for at most `ms`. */
export async function until(pred: () => boolean, ms: number, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`${what} not reached within ${ms} ms`);
    await sleep(5);
  }
}

export const FAST_RECONNECT = { baseMs: 5, maxMs: 20 };
export const listReply = (): Uint8Array => controlReply(Command.TOPIC_RESPONSE, `{"topics":[${topicJson(1, 'a')}]}`);

/**
 * Per-test bookkeeping for the hostile suites: servers and clients made through it are closed
 * (clients first, newest first) by `cleanup()` in `afterEach`.
 */
export class HostileHarness {
  private servers: HostileServer[] = [];
  private cleanups: (() => Promise<unknown>)[] = [];

  serve = async (scriptFor: Parameters<typeof startHostileServer>[0]): Promise<HostileServer> => {
    const s = await startHostileServer(scriptFor);
    this.servers.push(s);
    return s;
  };

  track = <T extends { close(): Promise<unknown> }>(x: T): T => {
    this.cleanups.push(() => x.close());
    return x;
  };

  connect = async (address: string, config: (c: ClientConfig) => ClientConfig = (c) => c): Promise<LanceClient> =>
    this.track(await LanceClient.connect(config(ClientConfig.fromAddress(address).withReconnect(FAST_RECONNECT))));

  cleanup = async (): Promise<void> => {
    for (const c of this.cleanups.splice(0).reverse()) await c().catch(() => undefined);
    await Promise.all(this.servers.splice(0).map((s) => s.close()));
  };
}
