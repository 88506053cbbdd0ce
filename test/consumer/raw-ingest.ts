/**
 * Puts data in a topic with nothing but the wire codec: ingest frames over a raw socket, waiting
 * for every ack (acked ⇒ fetchable, PROTOCOL.md §2.3.11). Shared by the consumer tests and bench.
 */
import * as net from 'node:net';
import { Command, Flags } from '../../src/wire/constants';
import { commandOf, encodeControl, frameKind } from '../../src/wire/control';
import { FrameDecoder } from '../../src/wire/decoder';
import { encodeFrame, type Frame } from '../../src/wire/frame';
import { parseServerJson } from '../../src/wire/payloads/json';
import { writeRecord } from '../../src/wire/tlv';

export class RawConnection {
  private readonly decoder = new FrameDecoder();
  private readonly waiting: ((f: Frame) => void)[] = [];
  private readonly early: Frame[] = [];
  private failure: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) {
        const w = this.waiting.shift();
        if (w) w(f);
        else this.early.push(f);
      }
    });
    socket.on('error', (e) => (this.failure = e));
  }

  static open(address: string): Promise<RawConnection> {
    const [host, port] = address.split(':') as [string, string];
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port: Number(port) }, () => resolve(new RawConnection(s)));
      s.setNoDelay(true);
      s.once('error', reject);
    });
  }

  next(): Promise<Frame> {
    if (this.failure) return Promise.reject(this.failure);
    const f = this.early.shift();
    return f ? Promise.resolve(f) : new Promise((resolve) => this.waiting.push(resolve));
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** CreateTopic and return its id. */
  async createTopic(name: string): Promise<number> {
    this.write(encodeControl(Command.CREATE_TOPIC, Buffer.from(name)));
    const reply = await this.next();
    const json = parseServerJson(reply.payload) as { id?: number; error?: string };
    if (commandOf(reply) !== Command.TOPIC_RESPONSE || typeof json.id !== 'number') {
      throw new Error(`CreateTopic ${name} failed: ${Buffer.from(reply.payload).toString()}`);
    }
    return json.id;
  }

  /** Ingests each payload as one frame (pipelined, at most `window` unacked) and waits for all acks. */
  async ingest(topicId: number, payloads: Iterable<Uint8Array>, window = 64): Promise<void> {
    let batchId = 0n;
    let unacked = 0;
    const ack = async () => {
      const f = await this.next();
      if (frameKind(f) !== 'ack') throw new Error(`expected an ack, got ${Buffer.from(f.payload).toString()}`);
      unacked--;
    };
    for (const payload of payloads) {
      this.write(encodeFrame({ flags: Flags.BATCH_MODE, batchId: ++batchId, topicId, recordCount: 1, payload }));
      if (++unacked >= window) await ack();
    }
    while (unacked > 0) await ack();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Record `seq` of the sequence log: value = seq u32 LE + (seq % 7) filler bytes, so sizes vary. */
export function seqRecord(out: Uint8Array, o: number, seq: number): number {
  const value = new Uint8Array(4 + (seq % 7));
  value[0] = seq & 0xff;
  value[1] = (seq >>> 8) & 0xff;
  value[2] = (seq >>> 16) & 0xff;
  value[3] = (seq >>> 24) & 0xff;
  return writeRecord(out, o, 0x01, value);
}

export const seqOf = (value: Uint8Array): number =>
  (value[0]! | (value[1]! << 8) | (value[2]! << 16)) + value[3]! * 0x1000000;

/** Payloads holding records first..first+count-1 of the sequence log, `perFrame` per frame. */
export function* seqPayloads(first: number, count: number, perFrame: number): Generator<Uint8Array> {
  for (let s = first; s < first + count; s += perFrame) {
    const n = Math.min(perFrame, first + count - s);
    const buf = new Uint8Array(n * (5 + 4 + 6));
    let o = 0;
    for (let i = 0; i < n; i++) o = seqRecord(buf, o, s + i);
    yield buf.subarray(0, o);
  }
}

/** Payloads of `count` records of `size` bytes each (header included), `perFrame` per frame. */
export function* fixedPayloads(count: number, size: number, perFrame: number): Generator<Uint8Array> {
  const frame = new Uint8Array(perFrame * size);
  for (let i = 0; i < perFrame; i++) writeRecord(frame, i * size, 0x01, new Uint8Array(size - 5).fill(0x61));
  for (let left = count; left > 0; left -= perFrame) yield frame.subarray(0, Math.min(perFrame, left) * size);
}
