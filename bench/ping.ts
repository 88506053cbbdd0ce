/**
 * Ping latency, one JSON line: `LanceClient.ping()` (full stack: Promise shell → Rx core → socket)
 * against a raw socket sending the same 44-byte Keepalive frame and waiting for its echo, to the
 * same server, interleaved in the same run (these machines are noisy: only the ratio counts).
 * The server runs in its own child process so its work does not share our event loop.
 * Target: client p50 ≤ 1.3 × raw p50.
 *
 *   npx ts-node --transpile-only bench/ping.ts            # embedded LanceServer
 *   BENCH_SERVER=raw npx ts-node --transpile-only bench/ping.ts   # a bare keepalive echo server
 */
import { fork } from 'node:child_process';
import * as net from 'node:net';
import { LanceClient } from '../src/client/lance-client';
import { encodeKeepalive } from '../src/wire/control';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 20);
const PER_ROUND = Number(process.env['BENCH_PER_ROUND'] ?? 250);
const WARMUP = 2_000;

async function serve(): Promise<void> {
  if (process.env['BENCH_SERVER'] === 'raw') {
    const keepalive = encodeKeepalive();
    const server = net.createServer((s) => {
      s.setNoDelay(true);
      let buffered = 0;
      s.on('data', (chunk) => {
        buffered += chunk.length;
        for (; buffered >= 44; buffered -= 44) s.write(keepalive);
      });
    });
    server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as net.AddressInfo).port }));
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { LanceServer } = require('../src/testing') as typeof import('../src/testing');
    const server = await LanceServer.start({ host: '127.0.0.1', port: 0 }); // default, real timing
    process.send!({ port: server.port });
  }
  process.on('disconnect', () => process.exit(0));
}

function rawPinger(port: number): Promise<{ ping(): Promise<number>; close(): void }> {
  const frame = encodeKeepalive();
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.setNoDelay(true);
      let waiting: (() => void) | undefined;
      let buffered = 0;
      socket.on('data', (chunk) => {
        buffered += chunk.length;
        if (buffered >= 44) {
          buffered -= 44;
          waiting?.();
        }
      });
      resolve({
        ping: () =>
          new Promise<number>((done) => {
            const t0 = performance.now();
            waiting = () => done(performance.now() - t0);
            socket.write(frame);
          }),
        close: () => socket.destroy(),
      });
    });
    socket.on('error', reject);
  });
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const us = (ms: number): number => Math.round(ms * 1000 * 10) / 10;

async function main(): Promise<void> {
  const child = fork(__filename, ['--serve'], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  const client = await LanceClient.connect(`127.0.0.1:${port}`);
  const raw = await rawPinger(port);
  const timeClient = async (): Promise<number> => {
    const t0 = performance.now();
    await client.ping();
    return performance.now() - t0;
  };
  for (let i = 0; i < WARMUP; i++) {
    await timeClient();
    await raw.ping();
  }
  const clientMs: number[] = [];
  const rawMs: number[] = [];
  // Interleave short rounds so drift in machine load hits both sides alike.
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < PER_ROUND; i++) clientMs.push(await timeClient());
    for (let i = 0; i < PER_ROUND; i++) rawMs.push(await raw.ping());
  }
  raw.close();
  await client.close();
  child.disconnect();
  const result = {
    bench: 'ping',
    server: process.env['BENCH_SERVER'] === 'raw' ? 'raw-echo' : 'LanceServer',
    samples: clientMs.length,
    clientP50Us: us(pct(clientMs, 50)),
    clientP99Us: us(pct(clientMs, 99)),
    rawP50Us: us(pct(rawMs, 50)),
    rawP99Us: us(pct(rawMs, 99)),
    p50Ratio: Math.round((pct(clientMs, 50) / pct(rawMs, 50)) * 100) / 100,
    p99Ratio: Math.round((pct(clientMs, 99) / pct(rawMs, 99)) * 100) / 100,
    target: 'p50Ratio <= 1.3',
  };
  console.log(JSON.stringify(result));
}

if (process.argv.includes('--serve')) void serve();
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
