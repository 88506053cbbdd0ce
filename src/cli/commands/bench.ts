/**
 * `lnc bench [--count N] [--size S]` and the demo: produce N sequence-numbered records through the Rx
 * producer, consume them back with `topic$`, and prove every record arrived exactly once.
 */
import { firstValueFrom, lastValueFrom, takeWhile, tap } from 'rxjs';
import type { Lance } from '../../rx/lance.js';
import { fetch$ } from '../../rx/admin.js';
import { ensureTopic$ } from '../../rx/ensure-topic.js';
import { U64_MAX } from '../../wire/constants.js';
import { int, mb, table } from '../format.js';
import { progressBar } from '../progress.js';
import { ExactlyOnce, seqOf } from '../records.js';
import { produceCommand } from './produce.js';

export interface BenchArgs {
  readonly count: number;
  readonly size: number;
  readonly topic: string;
  readonly compression: boolean;
}

export interface BenchResult {
  readonly produced: number;
  readonly consumed: ExactlyOnce;
  readonly produceSeconds: number;
  readonly consumeSeconds: number;
  readonly bytes: number;
}

export async function benchCommand(lance: Lance, args: BenchArgs, print: (s: string) => void): Promise<BenchResult> {
  const topic = await firstValueFrom(ensureTopic$(lance, args.topic));
  const startOffset = (await firstValueFrom(fetch$(lance, topic.id, U64_MAX, 1))).nextOffset;
  print(`topic ${topic.name} (id ${topic.id}): producing ${int(args.count)} records of ${args.size} bytes`);
  const produced = await produceCommand(
    lance,
    { topicId: topic.id, count: args.count, size: args.size, compression: args.compression },
    print,
  );

  const end = (await firstValueFrom(fetch$(lance, topic.id, U64_MAX, 1))).nextOffset;
  const check = new ExactlyOnce(args.count);
  const bar = progressBar('consume', args.count);
  const start = performance.now();
  let last = startOffset;
  if (end > startOffset) {
    await lastValueFrom(
      lance.topic$(topic.id, startOffset, { lagProbeIntervalMs: false }).pipe(
        tap((batch) => {
          for (const r of batch.records) check.add(seqOf(r.value));
          last = batch.endOffset;
          bar.update(check.unique);
        }),
        takeWhile(() => last < end),
      ),
      { defaultValue: undefined },
    );
  }
  const consumeSeconds = (performance.now() - start) / 1000;
  bar.finish(
    `${int(check.unique)} records in ${consumeSeconds.toFixed(2)} s: ${int(Math.round(check.unique / consumeSeconds))} records/s`,
  );

  print(
    table(
      ['phase', 'records', 'seconds', 'records/s', 'MB/s'],
      [
        [
          'produce',
          int(produced.records),
          produced.seconds.toFixed(2),
          int(Math.round(produced.records / produced.seconds)),
          (produced.bytes / 1024 / 1024 / produced.seconds).toFixed(1),
        ],
        [
          'consume',
          int(check.unique),
          consumeSeconds.toFixed(2),
          int(Math.round(check.unique / consumeSeconds)),
          (produced.bytes / 1024 / 1024 / consumeSeconds).toFixed(1),
        ],
      ],
    ),
  );
  print(
    `${mb(produced.bytes)} MB; exactly once: ${check.complete && check.duplicates === 0 ? 'yes' : 'NO'} (missing ${int(check.missing)}, duplicates ${int(check.duplicates)}, foreign ${int(check.foreign)})`,
  );
  return {
    produced: produced.records,
    consumed: check,
    produceSeconds: produced.seconds,
    consumeSeconds,
    bytes: produced.bytes,
  };
}
