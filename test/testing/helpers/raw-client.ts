/**
 * A raw LWP socket for server tests: connect (TCP or TLS), send bytes, collect decoded frames with a
 * timeout, detect the close (FIN vs RST). Uses the wire codec only — never client code.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { FrameDecoder, type Frame } from '../../../src/wire';

export interface CloseInfo {
  /** True when the socket saw ECONNRESET (the server sent RST). */
  readonly reset: boolean;
}

export class RawClient {
  readonly frames: Frame[] = [];
  /** The exact bytes of each frame in `frames`. */
  readonly rawFrames: Buffer[] = [];
  private rawOffset = 0;
  /** For each frame in `frames`, the number of the socket read (0, 1, …) that completed it: frames written in one burst share it. */
  readonly frameReads: number[] = [];
  private readsSeen = 0;
  /** Every byte received, for byte-exact comparisons. */
  received = Buffer.alloc(0);
  decodeError: Error | undefined;
  private cursor = 0;
  private readonly decoder = new FrameDecoder({ maxPayloadLength: 64 * 1024 * 1024 });
  private waiters: (() => void)[] = [];
  private closeInfo: CloseInfo | undefined;
  private sawReset = false;
  readonly closed: Promise<CloseInfo>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      const read = this.readsSeen++;
      this.received = Buffer.concat([this.received, chunk]);
      if (this.decodeError === undefined) {
        try {
          for (const f of this.decoder.push(chunk)) {
            const size = 44 + f.payload.length;
            this.rawFrames.push(this.received.subarray(this.rawOffset, this.rawOffset + size));
            this.rawOffset += size;
            this.frames.push(f);
            this.frameReads.push(read);
          }
        } catch (err) {
          this.decodeError = err as Error;
        }
      }
      this.wake();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') this.sawReset = true;
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closeInfo = { reset: this.sawReset };
        this.wake();
        resolve(this.closeInfo);
      }),
    );
  }

  static connect(port: number, options: { host?: string; tls?: tls.ConnectionOptions } = {}): Promise<RawClient> {
    const host = options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tls.connect({ host, port, ...options.tls }, () => done())
        : net.connect({ host, port }, () => done());
      const client = new RawClient(socket);
      const onError = (err: Error): void => reject(err);
      socket.once('error', onError);
      function done(): void {
        socket.off('error', onError);
        socket.setNoDelay(true);
        resolve(client);
      }
    });
  }

  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** Sends all buffers in one write, so the server most likely sees them in one read. */
  send(...parts: Uint8Array[]): void {
    this.socket.write(Buffer.concat(parts));
  }

  /** The next `n` frames not yet returned; rejects after `timeoutMs` or if the socket closes first. */
  async next(n = 1, timeoutMs = 2000): Promise<Frame[]> {
    await this.until(() => this.frames.length - this.cursor >= n, timeoutMs, `${n} frame(s)`);
    const out = this.frames.slice(this.cursor, this.cursor + n);
    this.cursor += n;
    return out;
  }

  async nextOne(timeoutMs = 2000): Promise<Frame> {
    return (await this.next(1, timeoutMs))[0]!;
  }

  /** Like `nextOne`, but the frame's exact bytes as hex. */
  async nextHex(timeoutMs = 2000): Promise<string> {
    await this.next(1, timeoutMs);
    return this.rawFrames[this.cursor - 1]!.toString('hex');
  }

  /** Resolves if no new frame arrives within `ms`; rejects with the frame otherwise. */
  async expectSilence(ms = 100): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    if (this.frames.length > this.cursor)
      throw new Error(`expected no frame, got flags 0x${this.frames[this.cursor]!.flags.toString(16)}`);
  }

  /** Waits for the close; rejects if the socket is still open after `timeoutMs`. */
  async waitClosed(timeoutMs = 2000): Promise<CloseInfo> {
    await this.until(() => this.closeInfo !== undefined, timeoutMs, 'close', true);
    return this.closeInfo!;
  }

  close(): Promise<CloseInfo> {
    this.socket.destroy();
    return this.closed;
  }

  private until(cond: () => boolean, timeoutMs: number, what: string, closeOk = false): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
          return true;
        }
        if (!closeOk && this.closeInfo !== undefined) {
          clearTimeout(timer);
          reject(new Error(`socket closed while waiting for ${what} (${this.frames.length - this.cursor} pending)`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what} (${this.frames.length - this.cursor} pending)`,
          ),
        );
      }, timeoutMs);
      const waiter = (): void => {
        if (check()) this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      if (!check()) this.waiters.push(waiter);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
