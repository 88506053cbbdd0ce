/**
 * A slow consumer's memory, one JSON line: `topic$` with a `process` that takes 50 ms a batch reads
 * 200 MB of 100-byte records (default `maxFetchBytes` 1 MiB, default prefetch 1) from a LanceServer
 * in its own process (real timing). Pull semantics must bound what it holds, whatever the backlog:
 * the figure to meet (issue 11) is RSS growth ≤ prefetch × maxFetchBytes + 32 MiB. Beside it, the
 * same slow loop over a raw socket (a Fetch ahead, 50 ms per reply) from the same process, as the
 * baseline of what the runtime itself costs.
 *
 *   npm run bench:slow-consumer
 * Env: BENCH_MB (default 200), BENCH_PROCESS_MS (default 50).
 */
import { lastValueFrom, takeWhile } from 'rxjs';
import { Lance } from '../src/rx/lance';
import { DEFAULT_MAX_FETCH_BYTES } from '../src/rx/consumer/options';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { RawConnection } from '../test/consumer/raw-ingest';
import { rawFetchLoop } from './lib/raw-fetch-loop';
import { spawnServer } from './lib/spawn-server';

const MB = Number(process.env['BENCH_MB'] ?? 200);
const PROCESS_MS = Number(process.env['BENCH_PROCESS_MS'] ?? 50);
const RECORD_SIZE = 100;
const MiB = 1024 * 1024;
const PREFETCH = 1;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Samples RSS every 20 ms while `run` runs; returns the peak growth over the RSS at the start. */
async function rssGrowth(run: () => Promise<void>): Promise<{ baseMiB: number; peakGrowthMiB: number }> {
  gc();
  await sleep(100);
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    await run();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return { baseMiB: +(base / MiB).toFixed(1), peakGrowthMiB: +((peak - base) / MiB).toFixed(1) };
}

async function rxSlow(address: string, topicId: number, end: bigint): Promise<void> {
  const lance = new Lance({ servers: [address] });
  try {
    await lastValueFrom(
      lance
        .topic$(topicId, 0n, {
          process: () => sleep(PROCESS_MS),
          autoCommitIntervalMs: false,
          lagProbeIntervalMs: false,
        })
        .pipe(takeWhile((b) => b.endOffset < end)),
    );
  } finally {
    await lance.close();
  }
}

async function rawSlow(address: string, topicId: number, end: bigint): Promise<void> {
  const raw = await RawConnection.open(address);
  try {
    await rawFetchLoop(raw, topicId, end, {
      maxBytes: DEFAULT_MAX_FETCH_BYTES,
      prefetch: PREFETCH,
      onReply: () => sleep(PROCESS_MS),
    });
  } finally {
    raw.close();
  }
}

/** The fill runs in its own process, so its garbage is not in this one's RSS. */
function fillInChild(address: string, name: string, records: number): number {
  const script = join(__dirname, 'lib/fill-child.ts');
  const out = execFileSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', script, address, name, String(records), String(RECORD_SIZE)],
    {
      encoding: 'utf8',
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    },
  );
  const m = /TOPIC (\d+)/.exec(out);
  if (!m) throw new Error(`fill: ${out}`);
  return Number(m[1]);
}

async function main(): Promise<void> {
  const server = await spawnServer({ host: '127.0.0.1', port: 0 });
  try {
    const address = `127.0.0.1:${server.port}`;
    const records = Math.floor((MB * 1e6) / RECORD_SIZE);
    const topicId = fillInChild(address, `bench-slow-${process.pid}`, records);
    const end = BigInt(records * RECORD_SIZE);

    // The client first, on a fresh heap; the raw loop after it (its base then includes what the
    // client's run left, which can only flatter the raw figure, not ours).
    const t0 = performance.now();
    const rx = await rssGrowth(() => rxSlow(address, topicId, end));
    const rxMs = performance.now() - t0;
    const t1 = performance.now();
    const raw = await rssGrowth(() => rawSlow(address, topicId, end));
    const rawMs = performance.now() - t1;
    const boundMiB = (PREFETCH * DEFAULT_MAX_FETCH_BYTES) / MiB + 32;
    console.log(
      JSON.stringify({
        bench: 'slow-consumer-memory',
        dataMB: MB,
        recordBytes: RECORD_SIZE,
        processMsPerBatch: PROCESS_MS,
        maxFetchBytes: DEFAULT_MAX_FETCH_BYTES,
        prefetch: PREFETCH,
        server: 'LanceServer defaults in its own process (256 KiB reads, group commit 5 ms / 4 MiB, memory storage)',
        raw: { ...raw, ms: Math.round(rawMs) },
        rx: { ...rx, ms: Math.round(rxMs) },
        boundMiB,
        rxVsRawGrowthMiB: +(rx.peakGrowthMiB - raw.peakGrowthMiB).toFixed(1),
        target: 'RSS growth ≤ prefetch × maxFetchBytes + 32 MiB (issue 11)',
        pass: rx.peakGrowthMiB <= boundMiB,
      }),
    );
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
