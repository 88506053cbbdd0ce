/**
 * `lnc consume <topic> [--from beginning|end|<offset>] [--follow] [--json] [--max N]`: prints records
 * (text, or one JSON object per line with offset and type). Without `--follow` it reads up to the
 * topic's end as it was when the command started (a tail probe, Fetch at u64::MAX) and exits.
 */
import { type Observable, NEVER, firstValueFrom, lastValueFrom, takeUntil, takeWhile, tap } from 'rxjs';
import type { Lance } from '../../rx/lance.js';
import { fetch$ } from '../../rx/admin.js';
import { SeekPosition } from '../../rx/consumer/seek-position.js';
import { U64_MAX } from '../../wire/constants.js';
import { UsageError } from '../format.js';

export interface ConsumeArgs {
  readonly topicId: number;
  readonly from: string;
  readonly follow: boolean;
  readonly json: boolean;
  readonly max?: number | undefined;
}

export function parseFrom(raw: string): SeekPosition {
  if (raw === 'beginning') return SeekPosition.BEGINNING;
  if (raw === 'end') return SeekPosition.END;
  if (/^\d+$/.test(raw)) return SeekPosition.offset(BigInt(raw));
  throw new UsageError(`--from must be beginning, end or a byte offset, got ${raw}`);
}

/** Resolves to the number of records printed. */
export async function consumeCommand(
  lance: Lance,
  args: ConsumeArgs,
  print: (s: string) => void,
  stop$: Observable<unknown> = NEVER,
): Promise<number> {
  const from = parseFrom(args.from);
  const max = args.max ?? Infinity;
  let end: bigint | undefined;
  if (!args.follow) {
    end = (await firstValueFrom(fetch$(lance, args.topicId, U64_MAX, 1))).nextOffset;
    const start = from.kind === 'beginning' ? 0n : from.kind === 'end' ? end : from.offset;
    if (start >= end) return 0;
  }
  let printed = 0;
  let reachedEnd = false;
  await lastValueFrom(
    lance.topic$(args.topicId, from, { lagProbeIntervalMs: false }).pipe(
      tap((batch) => {
        for (const r of batch.records) {
          if (printed >= max) break;
          print(args.json ? JSON.stringify({ offset: r.offset.toString(), type: r.type, value: r.text() }) : r.text());
          printed++;
        }
        if (end !== undefined && batch.endOffset >= end) reachedEnd = true;
      }),
      takeWhile(() => printed < max && !reachedEnd),
      takeUntil(stop$),
    ),
    { defaultValue: undefined },
  );
  return printed;
}
