/**
 * The raw consume baseline: Fetches over a plain socket, 1 + `prefetch` in flight at predicted
 * offsets (the server answers exactly `maxBytes` when it has them, PROTOCOL.md §2.3.11), from 0 to
 * `end`; records are counted from bytes, not parsed. `onReply` runs per reply before the next ask
 * (a slow consumer's delay, or a check).
 */
import { Command, encodeControl, encodeFetch } from '../../src/wire/index';
import { commandOf } from '../../src/wire/control';
import { decodeFetchResponse } from '../../src/wire/payloads/fetch';
import type { RawConnection } from '../../test/consumer/raw-ingest';

export async function rawFetchLoop(
  raw: RawConnection,
  topicId: number,
  end: bigint,
  o: {
    readonly maxBytes: number;
    readonly prefetch: number;
    readonly onReply?: (offset: bigint, next: bigint) => Promise<void> | void;
  },
): Promise<void> {
  const step = BigInt(o.maxBytes);
  let asked = 0n;
  let offset = 0n;
  const ask = (): void => {
    raw.write(encodeControl(Command.FETCH, encodeFetch({ topicId, offset: asked, maxBytes: o.maxBytes })));
    asked += step;
  };
  for (let i = 0; i <= o.prefetch && asked < end; i++) ask();
  while (offset < end) {
    const f = await raw.next();
    if (commandOf(f) !== Command.FETCH_RESPONSE) throw new Error(`raw fetch: command 0x${commandOf(f).toString(16)}`);
    const next = decodeFetchResponse(f.payload).nextOffset;
    await o.onReply?.(offset, next);
    offset = next;
    if (asked < end) ask();
  }
}
