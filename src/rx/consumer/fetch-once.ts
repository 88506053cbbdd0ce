/**
 * One Fetch round trip (PROTOCOL.md §2.3.11–2.3.12) as a cold Observable: nothing is sent until
 * subscription, so the caller's loop decides when the next request goes out (the only backpressure
 * the protocol has: the server never pushes, §2.3.13).
 */
import { type Observable, map } from 'rxjs';
import { Command, U64_MAX } from '../../wire/constants.js';
import { commandOf } from '../../wire/control.js';
import { InvalidFrameError, ServerCatchingUpError } from '../../wire/errors.js';
import type { Frame } from '../../wire/frame.js';
import { decodeCatchingUp, decodeFetchResponse, encodeFetch } from '../../wire/payloads/fetch.js';
import type { Session } from '../session.js';

export interface FetchResult {
  readonly nextOffset: bigint;
  /** A view into the reply frame. */
  readonly data: Uint8Array;
}

/** Fetch `maxBytes` from `offset`; CatchingUp becomes `ServerCatchingUpError` (retryable, see catchingUp). */
export function fetchOnce(
  session: Session,
  topicId: number,
  offset: bigint,
  maxBytes: number,
  timeoutMs: number | undefined,
): Observable<FetchResult> {
  const payload = encodeFetch({ topicId, offset, maxBytes });
  return session.request$(Command.FETCH, payload, timeoutMs).pipe(map((frame) => toFetchResult(frame, offset)));
}

/** The topic's current end in bytes: a Fetch at the `u64::MAX` tail sentinel. */
export function fetchEnd(session: Session, topicId: number, timeoutMs: number | undefined): Observable<bigint> {
  return fetchOnce(session, topicId, U64_MAX, 0, timeoutMs).pipe(map((r) => r.nextOffset));
}

function toFetchResult(frame: Frame, offset: bigint): FetchResult {
  const command = commandOf(frame);
  if (command === Command.CATCHING_UP) {
    const serverOffset = decodeCatchingUp(frame.payload);
    throw new ServerCatchingUpError(
      `server has ${serverOffset} bytes of the topic, fewer than the requested offset ${offset}`,
      serverOffset,
    );
  }
  if (command !== Command.FETCH_RESPONSE) {
    throw new InvalidFrameError(`expected FetchResponse (0x11) to a Fetch, got command 0x${command.toString(16)}`);
  }
  const r = decodeFetchResponse(frame.payload);
  // The server always answers start + data.length (§2.3.11); anything else would misplace every
  // record offset we compute, so refuse it rather than guess.
  if (offset !== U64_MAX && r.nextOffset !== offset + BigInt(r.data.length)) {
    throw new InvalidFrameError(
      `FetchResponse from ${offset} with ${r.data.length} bytes says next offset ${r.nextOffset}`,
    );
  }
  return { nextOffset: r.nextOffset, data: r.data };
}
