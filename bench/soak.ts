/**
 * The chaos soak: `runChaos` (bench/lib/chaos-run.ts, the harness `npm test` runs for ~50 s) for
 * as long as you like, then the report as one JSON line (for machines) and as a table.
 *
 *   npx ts-node bench/soak.ts --minutes 10 [--seed 42] [--rate 1000] [--record-bytes 100] [--quiet]
 *
 * Exit code 1 when an invariant broke (report.failures), 2 when the harness itself failed.
 */
import { formatReport } from './lib/chaos-report';
import { runChaos } from './lib/chaos-run';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

async function main(): Promise<void> {
  const minutes = arg('minutes', 2);
  const seed = arg('seed', Date.now() % 1_000_000);
  const quiet = process.argv.includes('--quiet');
  const report = await runChaos({
    durationMs: Math.round(minutes * 60_000),
    seed,
    recordsPerSecond: arg('rate', 1000),
    recordBytes: arg('record-bytes', 100),
    log: quiet ? undefined : (line) => process.stderr.write(`[soak] ${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(report)}\n\n${formatReport(report)}\n`);
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 2;
});
