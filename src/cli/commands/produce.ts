/**
 * `lnc produce <topic>`: lines from stdin, or `--count N --size S` generated records, through the Rx
 * producer; prints a records/s summary. Every record's outcome is counted: the command fails if any
 * record was not acked.
 */
import { createInterface } from 'node:readline';
import { type Observable, concatMap, from, lastValueFrom, map, range, tap } from 'rxjs';
import type { Lance } from '../../rx/lance.js';
import type { ProduceOutcome } from '../../rx/producer/batch.js';
import { whenRoom } from '../../rx/producer/when-room.js';
import { LanceError } from '../../wire/errors.js';
import { int, mb } from '../format.js';
import { progressBar } from '../progress.js';
import { seqRecord } from '../records.js';

export interface ProduceArgs {
  readonly topicId: number;
  readonly count?: number | undefined;
  readonly size: number;
  readonly compression: boolean;
}

export interface ProduceSummary {
  readonly records: number;
  readonly bytes: number;
  readonly seconds: number;
}

const CHUNK = 4096;

export async function produceCommand(
  lance: Lance,
  args: ProduceArgs,
  log: (s: string) => void,
): Promise<ProduceSummary> {
  const producer = lance.producer(args.topicId, { compression: args.compression });
  let acked = 0;
  let failed = 0;
  let firstError: LanceError | undefined;
  const bar = args.count !== undefined ? progressBar('produce', args.count) : undefined;
  producer.acks$.subscribe((o: ProduceOutcome) => {
    if (o.type === 'acked') acked += o.count;
    else {
      const n = o.type === 'failed' ? o.count : 1;
      failed += n;
      firstError ??= o.error;
    }
    bar?.update(acked);
  });
  const start = performance.now();
  let bytes = 0;
  // Pull in chunks and wait for room between them: the source never outruns bufferMemory.
  const high = 8 * 1024 * 1024;
  const send = (chunk: readonly Uint8Array[] | readonly string[]): void => {
    for (const r of chunk) {
      bytes += typeof r === 'string' ? Buffer.byteLength(r) : r.length;
      producer.next(r);
    }
  };
  const source$: Observable<readonly Uint8Array[] | readonly string[]> =
    args.count !== undefined
      ? range(0, Math.ceil(args.count / CHUNK)).pipe(
          map((c) =>
            Array.from({ length: Math.min(CHUNK, args.count! - c * CHUNK) }, (_, i) =>
              seqRecord(c * CHUNK + i, args.size),
            ),
          ),
        )
      : from(stdinLineChunks());
  await lastValueFrom(source$.pipe(concatMap((chunk) => whenRoom(producer, high).pipe(tap(() => send(chunk))))), {
    defaultValue: undefined,
  });
  await producer.close();
  const seconds = (performance.now() - start) / 1000;
  const records = acked + failed;
  const summary = `${int(acked)} records acked (${mb(bytes)} MB) in ${seconds.toFixed(2)} s: ${int(Math.round(acked / seconds))} records/s, ${(bytes / 1024 / 1024 / seconds).toFixed(1)} MB/s`;
  if (bar) bar.finish(summary);
  else log(summary);
  if (failed > 0) throw firstError ?? new Error(`${failed} of ${records} records failed`);
  return { records: acked, bytes, seconds };
}

async function* stdinLineChunks(): AsyncGenerator<string[]> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let chunk: string[] = [];
  for await (const line of rl) {
    chunk.push(line);
    if (chunk.length >= CHUNK) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
