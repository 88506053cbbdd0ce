/**
 * Ingest throughput of the embedded LanceServer (memory storage, default real timing: 256 KiB reads,
 * group commit after a 5 ms gap or at 4 MiB), server in its own
 * process, load from this one over ONE raw socket:
 *   (a) 1 MiB ingest frames, (b) small frames (100-byte TLV payloads), each pipelined with a bounded
 *   window of unacked frames, until every ack is back. Prints one JSON line.
 *
 *   npx ts-node --transpile-only bench/server-ingest.ts
 * Env: MIB_FRAMES (default 1024), SMALL_FRAMES (default 2,000,000), CPU_PROF=1 (profile the server).
 */
import * as net from 'node:net';
import { Command, encodeControl, encodeFrame, Flags, writeRecord } from '../src/wire/index';
import { spawnServer } from './lib/spawn-server';

const MIB_FRAMES = Number(process.env['MIB_FRAMES'] ?? 1024);
const SMALL_FRAMES = Number(process.env['SMALL_FRAMES'] ?? 2_000_000);
const ACK = 44;

function tlvPayload(size: number): Uint8Array {
  const out = new Uint8Array(size);
  writeRecord(out, 0, 0x01, new Uint8Array(size - 5).fill(0x61));
  return out;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
    s.setNoDelay(true);
  });
}

/** Sends `total` frames in writes of `perWrite` frames, keeping at most `window` unacked; resolves with seconds. */
function pump(socket: net.Socket, block: Buffer, perWrite: number, total: number, window: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let ackBytes = 0;
    let blocked = false;
    const t0 = process.hrtime.bigint();
    const acked = (): number => Math.floor(ackBytes / ACK);
    const fill = (): void => {
      while (!blocked && sent < total && sent - acked() + perWrite <= window) {
        const n = Math.min(perWrite, total - sent);
        const ok = socket.write(n === perWrite ? block : block.subarray(0, (block.length / perWrite) * n));
        sent += n;
        if (!ok) {
          blocked = true;
          socket.once('drain', () => {
            blocked = false;
            fill();
          });
        }
      }
    };
    const onData = (chunk: Buffer): void => {
      if (ackBytes === 0 && chunk[5] !== Flags.ACK)
        reject(new Error(`unexpected reply flags 0x${chunk[5]?.toString(16)}`));
      ackBytes += chunk.length;
      if (acked() >= total) {
        socket.off('data', onData);
        resolve(Number(process.hrtime.bigint() - t0) / 1e9);
      } else fill();
    };
    socket.on('data', onData);
    fill();
  });
}

async function main(): Promise<void> {
  const server = await spawnServer(
    { port: 0 },
    process.env['CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir=bench/.prof'] : [],
  );
  try {
    const admin = await connect(server.port);
    admin.write(
      Buffer.concat([
        encodeControl(Command.CREATE_TOPIC, Buffer.from('bench-big')),
        encodeControl(Command.CREATE_TOPIC, Buffer.from('bench-small')),
      ]),
    );
    await new Promise((r) => admin.once('data', r));
    admin.destroy();

    // (a) 1 MiB frames, window 16 (16 MiB in flight).
    const big = Buffer.from(
      encodeFrame({
        flags: Flags.BATCH_MODE,
        batchId: 1n,
        topicId: 1,
        recordCount: 1,
        payload: tlvPayload(1024 * 1024),
      }),
    );
    const s1 = await connect(server.port);
    await pump(s1, big, 1, 32, 16); // warm-up
    const secsBig = await pump(s1, big, 1, MIB_FRAMES, 16);
    s1.destroy();

    // (b) small frames: 100-byte TLV payloads, 256 frames per write, window 1024.
    const per = 256;
    const small = encodeFrame({
      flags: Flags.BATCH_MODE,
      batchId: 7n,
      topicId: 2,
      recordCount: 1,
      payload: tlvPayload(100),
    });
    const block = Buffer.concat(Array.from({ length: per }, () => small));
    const s2 = await connect(server.port);
    await pump(s2, block, per, 50_000 - (50_000 % per), 1024); // warm-up
    const smallTotal = SMALL_FRAMES - (SMALL_FRAMES % per);
    const secsSmall = await pump(s2, block, per, smallTotal, 1024);
    s2.destroy();

    console.log(
      JSON.stringify({
        mbPerSec1MiB: Math.round((MIB_FRAMES * 1024 * 1024) / 1e6 / secsBig),
        mibFrames: MIB_FRAMES,
        secs1MiB: Number(secsBig.toFixed(3)),
        smallFramesPerSec: Math.round(smallTotal / secsSmall),
        smallFrames: smallTotal,
        smallPayloadBytes: 100,
        smallWindow: 1024,
        secsSmall: Number(secsSmall.toFixed(3)),
      }),
    );
  } finally {
    await server.stop();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
