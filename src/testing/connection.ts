/**
 * One client connection, with the real server's ordering (PROTOCOL.md §6.2, `fn process_frames`):
 *
 *   1. one socket read (one 'data' chunk) is handled at a time, every complete frame in order;
 *   2. control replies, keepalive echoes and inline ingest errors are written as each frame is handled;
 *   3. accepted ingests are only queued; once the group commit has made them durable their acks are
 *      written, in submission order, all in one `socket.write`;
 *   4. the next read starts only after that (the socket is paused while acks are owed).
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
import { ackFrames, errorFrame, KEEPALIVE_FRAME } from './replies.js';

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
  /** The client half-closed; we close once the acks owed are written (the server's next read returns 0). */
  private peerEnded = false;
  /** Ack batches held back by `withholdAcks()` / `stallAcks()`, oldest first. */
  private held: Buffer[] = [];

  constructor(
    readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    socket.setNoDelay(true); // as the server does on every accepted socket (§1.1)
    socket.on('data', (chunk: Buffer) => this.onRead(chunk));
    socket.on('drain', () => {
      this.waitingDrain = false;
      this.maybeResume();
    });
    // The listener is half-open, so the acks owed for the last read still go out after a client's FIN.
    socket.on('end', () => {
      this.peerEnded = true;
      this.maybeResume();
    });
    socket.on('error', () => {}); // 'close' follows; a reset client is not a server error
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closing = true;
        this.held = [];
        host.connectionClosed(this);
        resolve();
      }),
    );
  }

  private onRead(chunk: Buffer): void {
    if (this.closing) return;
    const { reader, host, socket } = this;
    reader.push(chunk);
    // §1.4 step 1: the head frame's payload_length, checked right after the read, before its magic.
    if (reader.headOversize(host.maxPayloadSize)) return this.drop('graceful');
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
    if (this.awaitingDurable || this.stalled || this.waitingDrain) socket.pause();
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
    this.maybeResume();
  }

  /** Sends (or forgets) the held acks and lets a stalled connection read again. */
  releaseAcks(discard: boolean): void {
    const held = this.held;
    this.held = [];
    this.stalled = false;
    if (this.closing) return;
    if (!discard) for (const acks of held) this.sendAcks(acks);
    this.maybeResume();
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

  private maybeResume(): void {
    if (this.closing || this.awaitingDurable || this.stalled) return;
    if (this.peerEnded) return this.drop('graceful');
    if (this.waitingDrain) return;
    if (this.socket.isPaused()) this.socket.resume();
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
