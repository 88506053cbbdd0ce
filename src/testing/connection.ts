/**
 * One client connection, with the real server's read cycle (PROTOCOL.md §1.4, §6.2,
 * `fn handle_connection` → `fn process_frames`):
 *
 *   1. one read takes what has arrived, up to the free space of a read buffer of 256 KiB
 *      (`INITIAL_BUFFER_SIZE`); after the read the buffer grows to fit the frame at its head (one
 *      larger frame is then read whole over the next reads), and shrinks back to 256 KiB once it is
 *      larger than 1 MiB and holds less than 256 KiB (`fn maybe_shrink_buffer`, checked after each
 *      frame is consumed);
 *   2. every complete frame of the buffer is handled in order; control replies, keepalive echoes and
 *      inline ingest errors are written as each frame is handled;
 *   3. the read's accepted ingests are only queued; once the group commit has made them durable their
 *      acks are written, in submission order, all in one `socket.write`;
 *   4. the next read starts only after that.
 *
 * "What has arrived" is what Node delivered from the socket since the last read (the kernel's
 * receive buffer, `inbox` here): chunks that come in together in one poll are one read, because a
 * read is taken in a `setImmediate` after them. The inbox is bounded (`INBOX_LIMIT`); past it the
 * socket is paused, so a client that floods us, or whose acks are owed, meets TCP backpressure.
 *
 * Frame classification, first match wins (§1.5): Control 0x40 → Keepalive 0x20 → Ack 0x08 (ignored)
 * → Backpressure 0x10 (ignored) → BatchMode 0x04 or a payload = Ingest → anything else ignored.
 *
 * A bad frame (§1.4: oversize head frame, magic, version, header CRC, payload CRC) closes the
 * connection without any frame; the frames before it in the same read were handled (replies written,
 * ingests stored) but their acks are lost (§3.3). No idle timeout, no unprompted keepalive (§6.1).
 */
import type { Socket } from 'node:net';
import { Flags, HEADER_SIZE } from '../wire/index.js';
import { FatalError, ReplyError } from './errors.js';
import { corruptFrame, type DropMode } from './fault-state.js';
import { FrameError, joinParts, ServerFrameReader, type ServerFrame } from './frame-reader.js';
import type { GroupCommitter } from './group-commit.js';
import { control } from './handlers/control.js';
import type { ConnectionState, HandlerContext } from './handlers/context.js';
import { ingest } from './handlers/ingest.js';
import { ReadBuffer, type ConnectionStats } from './read-buffer.js';
import { ackFrames, errorFrame, KEEPALIVE_FRAME } from './replies.js';

export type { ConnectionStats } from './read-buffer.js';

/** A client that does not read its replies stops being read once this much is queued (TCP-level backpressure, §6.4). */
const WRITE_BACKLOG_LIMIT = 4 * 1024 * 1024;
export interface ConnectionHost {
  readonly ctx: HandlerContext;
  readonly committer: GroupCommitter;
  readonly maxPayloadSize: number;
  connectionClosed(conn: Connection): void;
}

export class Connection {
  readonly closed: Promise<void>;
  private readonly reader = new ServerFrameReader();
  private readonly state: ConnectionState = { authenticated: false };
  private closing = false;
  /** Frames handled on this connection (for `faults.dropEachConnectionAfterFrames`). */
  private framesHandled = 0;
  /** Acks of the last read are waiting for the group commit. */
  private awaitingDurable = false;
  /** Acks are durable but held by `stallAcks()`; reading waits for `releaseAcks()`. */
  private stalled = false;
  private waitingDrain = false;
  /** The client half-closed; we close once the bytes it sent are read and the acks owed are written (the server's next read returns 0). */
  private peerEnded = false;
  /** Ack batches held back by `withholdAcks()` / `stallAcks()`, oldest first. */
  private held: Buffer[] = [];
  /** Received, not yet read (§6.2 step 1), and the read buffer's size. */
  private readonly buffer = new ReadBuffer(this.reader);
  private inboxPaused = false;
  private readScheduled: NodeJS.Immediate | undefined;

  constructor(
    readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    socket.setNoDelay(true); // as the server does on every accepted socket (§1.1)
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.waitingDrain = false;
      this.maybeRead();
    });
    // The listener is half-open, so the acks owed for the last read still go out after a client's FIN.
    socket.on('end', () => {
      this.peerEnded = true;
      this.maybeRead();
    });
    socket.on('error', () => {}); // 'close' follows; a reset client is not a server error
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closing = true;
        this.held = [];
        this.buffer.clear();
        if (this.readScheduled !== undefined) clearImmediate(this.readScheduled);
        this.readScheduled = undefined;
        host.connectionClosed(this);
        resolve();
      }),
    );
  }

  get stats(): ConnectionStats {
    return this.buffer.stats;
  }

  private onData(chunk: Buffer): void {
    if (this.closing || chunk.length === 0) return;
    this.buffer.receive(chunk);
    if (this.buffer.full && !this.inboxPaused) {
      this.inboxPaused = true;
      this.socket.pause();
    }
    this.maybeRead();
  }

  /** Schedules the next read, unless one is due already or the cycle is waiting (acks owed, stalled, write backlog). */
  private maybeRead(): void {
    if (this.closing || this.awaitingDurable || this.stalled || this.waitingDrain) return;
    if (this.readScheduled !== undefined) return;
    // After the chunks of this poll: they are one read, as they would be for the server's read().
    this.readScheduled = setImmediate(() => {
      this.readScheduled = undefined;
      this.read();
    });
  }

  /** One cycle of §6.2: one read, every complete frame of the buffer, then the read's acks once durable. */
  private read(): void {
    if (this.closing || this.awaitingDurable || this.stalled || this.waitingDrain) return;
    const { reader, buffer, host, socket } = this;
    if (buffer.empty) {
      if (this.peerEnded) this.drop('graceful'); // read() returned 0
      return;
    }
    if (buffer.read() === 0) return;
    if (this.inboxPaused && !buffer.full) {
      this.inboxPaused = false;
      socket.resume();
    }
    // §1.4 step 1: the head frame's payload_length, checked right after the read, before its magic.
    if (reader.headOversize(host.maxPayloadSize)) return this.drop('graceful');
    buffer.fitHead();
    const faults = host.ctx.faults;
    const ackHeaders: Uint8Array[] = [];
    const ackOffsets: number[] = [];
    let ackBytes = 0;
    let drop: DropMode | undefined;
    socket.cork();
    try {
      for (;;) {
        const frame = reader.next();
        if (frame === undefined) break;
        buffer.maybeShrink();
        if (this.handle(frame)) {
          ackHeaders.push(frame.header);
          ackOffsets.push(frame.headerOffset);
          ackBytes += frame.payloadLength;
        }
        drop = faults.frameHandled(++this.framesHandled);
        if (drop !== undefined) break;
      }
    } catch (err) {
      socket.uncork();
      if (err instanceof FrameError || err instanceof FatalError) return this.drop('graceful');
      socket.destroy();
      throw err;
    }
    if (drop !== undefined) {
      socket.uncork();
      return this.drop(drop);
    }
    if (ackHeaders.length > 0) {
      this.awaitingDurable = true;
      const acks = ackFrames(ackHeaders, ackOffsets);
      host.committer.submit(ackBytes, (err) => this.durable(acks, err));
    }
    socket.uncork();
    this.maybeRead();
  }

  /** Handles one frame; returns true when it is an accepted ingest that is owed an ack. */
  private handle(frame: ServerFrame): boolean {
    const f = frame.flags;
    const { ctx } = this.host;
    if (f & Flags.CONTROL) {
      const command = frame.header[frame.headerOffset + 12]!; // only the low byte of batch_id (§1.5)
      this.send(control(command, joinParts(frame.parts, frame.payloadLength), ctx, this.state));
      return false;
    }
    if (f & Flags.KEEPALIVE) {
      this.send(KEEPALIVE_FRAME);
      return false;
    }
    if (f & (Flags.ACK | Flags.BACKPRESSURE)) return false;
    if (f & Flags.BATCH_MODE || frame.payloadLength > 0) {
      try {
        return ingest(frame, ctx, this.state);
      } catch (err) {
        if (!(err instanceof ReplyError)) throw err;
        this.send(errorFrame(err.message));
        return false;
      }
    }
    return false; // Unknown: silently ignored
  }

  private durable(acks: Buffer, err: Error | undefined): void {
    this.awaitingDurable = false;
    if (this.closing) return;
    // §2.3.1: a local write failure closes the connection, no error frame, acks lost.
    if (err !== undefined) return this.drop('graceful');
    const mode = this.host.ctx.faults.ackMode;
    if (mode === 'normal' && this.held.length === 0) this.sendAcks(acks);
    else {
      this.held.push(acks);
      if (mode === 'stall') this.stalled = true;
    }
    this.maybeRead();
  }

  /** Sends (or forgets) the held acks and lets a stalled connection read again. */
  releaseAcks(discard: boolean): void {
    const held = this.held;
    this.held = [];
    this.stalled = false;
    if (this.closing) return;
    if (!discard) for (const acks of held) this.sendAcks(acks);
    this.maybeRead();
  }

  get heldAcks(): number {
    return this.held.reduce((n, b) => n + b.length / HEADER_SIZE, 0);
  }

  /** Writes a frame the server originates outside of a request (Backpressure). */
  push(frame: Uint8Array): void {
    if (!this.closing) this.send(frame);
  }

  private send(frame: Uint8Array): void {
    const part = this.host.ctx.faults.takeCorruption(frame.length > HEADER_SIZE);
    if (part !== undefined) {
      frame = Uint8Array.from(frame); // shared constants (the keepalive) must stay intact
      corruptFrame(frame, 0, part);
    }
    this.write(frame);
  }

  private sendAcks(acks: Buffer): void {
    const part = this.host.ctx.faults.takeCorruption(false);
    if (part !== undefined) corruptFrame(acks, 0, part);
    this.write(acks);
  }

  private write(bytes: Uint8Array): void {
    this.socket.write(bytes);
    if (this.socket.writableLength > WRITE_BACKLOG_LIMIT) this.waitingDrain = true;
  }

  /**
   * Closes the connection without a frame. Graceful = FIN after what was already written (the real
   * server dropping its TcpStream); abrupt = RST.
   */
  drop(mode: DropMode): void {
    if (this.closing) return;
    this.closing = true;
    this.held = [];
    const socket = this.socket;
    if (mode === 'abrupt') {
      socket.resetAndDestroy();
      return;
    }
    socket.pause();
    socket.end();
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
    const timer = setTimeout(() => socket.destroy(), 1000);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  /** Server shutdown: what was written is flushed, then the socket is closed. */
  shutdown(): Promise<void> {
    this.drop('graceful');
    return this.closed;
  }

  /** Crash: reset at once. */
  kill(): Promise<void> {
    this.drop('abrupt');
    return this.closed;
  }
}
