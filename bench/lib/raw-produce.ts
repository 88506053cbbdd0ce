/**
 * The raw produce baseline: pre-encoded ingest frames of about `frameBytes` (exactly `frameBytes`
 * of payload when it is the producer's batch size) written over a plain socket with at most
 * `window` unacked, until `count` records are acked. Resolves with the milliseconds for exactly
 * `count` records (the last frame may carry a few more).
 */
import * as net from 'node:net';
import { encodeFrame, Flags, writeRecord } from '../../src/wire/index';
import { PRODUCER_DEFAULTS } from '../../src/rx/producer/options';

/** Every ack is one 44-byte frame. */
const ACK_BYTES = 44;

export async function rawProduce(
  address: string,
  topicId: number,
  recordSize: number,
  count: number,
  frameBytes: number,
  window: number,
): Promise<number> {
  const tlv = 5 + recordSize;
  const payloadBytes = frameBytes === PRODUCER_DEFAULTS.batchSize ? frameBytes : frameBytes - 44;
  const perFrame = Math.max(1, Math.floor(payloadBytes / tlv));
  const payload = new Uint8Array(perFrame * tlv);
  const value = new Uint8Array(recordSize).fill(0x61);
  for (let i = 0; i < perFrame; i++) writeRecord(payload, i * tlv, 0x01, value);
  const frame = encodeFrame({ flags: Flags.BATCH_MODE, batchId: 1n, topicId, recordCount: perFrame, payload });
  const frames = Math.ceil(count / perFrame);
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ port, host }, () => resolve(s));
    s.once('error', reject);
    s.setNoDelay(true);
  });
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    let ackBytes = 0;
    let blocked = false;
    const fill = (): void => {
      while (!blocked && sent < frames && sent - Math.floor(ackBytes / ACK_BYTES) < window) {
        sent++;
        if (!socket.write(frame)) {
          blocked = true;
          socket.once('drain', () => {
            blocked = false;
            fill();
          });
        }
      }
    };
    socket.on('data', (chunk: Buffer) => {
      ackBytes += chunk.length;
      if (ackBytes / ACK_BYTES >= frames) resolve();
      else fill();
    });
    fill();
  });
  const ms = performance.now() - t0;
  socket.destroy();
  return ms * (count / (frames * perFrame));
}
