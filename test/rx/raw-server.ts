/**
 * A small real-socket LWP peer (node:net or node:tls) for transport-level tests that the embedded
 * LanceServer does not cover: it decodes frames and answers through `reply`; keepalives are echoed.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { FrameDecoder } from '../../src/wire/decoder';
import { encodeKeepalive, frameKind } from '../../src/wire/control';
import type { Frame } from '../../src/wire/frame';

export interface RawServer {
  readonly port: number;
  readonly address: string;
  readonly sockets: Set<net.Socket>;
  /** Connections accepted so far. */
  accepted: number;
  close(): Promise<void>;
}

export interface RawServerOptions {
  readonly reply?: (frame: Frame, socket: net.Socket) => Uint8Array | readonly Uint8Array[] | undefined;
  readonly tls?: tls.TlsOptions;
  /** Accept TCP but never speak (for handshake timeouts). */
  readonly silent?: boolean;
}

export async function startRawServer(opts: RawServerOptions = {}): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const state = { accepted: 0 };
  const onSocket = (socket: net.Socket): void => {
    state.accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (opts.silent) return;
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = decoder.push(chunk);
      } catch {
        return void socket.destroy(); // like the server: bad bytes close the socket, no error frame
      }
      for (const f of frames) {
        const answer = frameKind(f) === 'keepalive' ? encodeKeepalive() : opts.reply?.(f, socket);
        if (answer === undefined) continue;
        for (const b of answer instanceof Uint8Array ? [answer] : answer) socket.write(b);
      }
    });
  };
  const server = opts.tls && !opts.silent ? tls.createServer(opts.tls, onSocket) : net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    sockets,
    get accepted() {
      return state.accepted;
    },
    set accepted(v: number) {
      state.accepted = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
