/**
 * A scripted `Session` for marble tests: `request$` answers with the responder's Observable, so
 * replies arrive in TestScheduler virtual time. `thenable` does the same for Promise-typed fakes (an
 * offset store): a real Promise would resolve outside virtual time.
 */
import { type Observable, NEVER, defer, take } from 'rxjs';
import type { Session } from '../../src/rx/session';
import { Command, Flags } from '../../src/wire/constants';
import type { Frame } from '../../src/wire/frame';
import { decodeFetch, encodeCatchingUp, encodeFetchResponse } from '../../src/wire/payloads/fetch';
import { U64_MAX } from '../../src/wire/constants';

export interface LoggedRequest {
  readonly at: number;
  readonly command: number;
  readonly offset?: bigint;
  readonly maxBytes?: number;
  readonly payload: Uint8Array;
}

/** A Promise-shaped view of an Observable's first value (or error), delivered when it happens. */
export function thenable<T>(source: Observable<T>): Promise<T> {
  const t = {
    then(onValue?: (v: T) => unknown, onError?: (e: unknown) => unknown) {
      let done = false;
      source.subscribe({
        next: (v) => {
          if (done) return;
          done = true;
          onValue?.(v);
        },
        error: (e: unknown) => {
          if (done) return;
          done = true;
          onError?.(e);
        },
      });
      return { then: () => undefined, catch: () => undefined };
    },
    catch() {
      return t;
    },
  };
  return t as unknown as Promise<T>;
}

export const controlFrame = (command: number, payload: Uint8Array): Frame => ({
  flags: Flags.CONTROL,
  batchId: BigInt(command),
  timestampNs: 0n,
  recordCount: 0,
  topicId: 0,
  payload,
});

export const fetchReply = (nextOffset: bigint, data: Uint8Array = new Uint8Array(0)): Frame =>
  controlFrame(Command.FETCH_RESPONSE, encodeFetchResponse(nextOffset, data));

export const catchingUpReply = (serverOffset: bigint): Frame =>
  controlFrame(Command.CATCHING_UP, encodeCatchingUp(serverOffset));

export type Responder = (req: LoggedRequest, index: number) => Observable<Frame>;

export interface FakeSession extends Session {
  readonly requests: LoggedRequest[];
}

export function fakeSession(
  respond: Responder,
  now: () => number,
  opts: { epoch?: number; frames$?: Observable<Frame> } = {},
): FakeSession {
  const requests: LoggedRequest[] = [];
  return {
    epoch: opts.epoch ?? 1,
    address: 'fake:1992',
    frames$: opts.frames$ ?? NEVER,
    drain$: NEVER,
    requests,
    send: () => true,
    kill: () => undefined,
    // Logged when sent (on subscribe), answered once, like a real request.
    request$: (command: number, payload: Uint8Array = new Uint8Array(0)) =>
      defer(() => {
        const req: LoggedRequest =
          command === Command.FETCH
            ? {
                at: now(),
                command,
                payload,
                offset: decodeFetch(payload).offset,
                maxBytes: decodeFetch(payload).maxBytes,
              }
            : { at: now(), command, payload };
        requests.push(req);
        return respond(req, requests.length - 1).pipe(take(1));
      }),
  };
}

/** TLV records of `size` bytes each (header included), value = the record index as text padding. */
export function makeLog(count: number, size: number): Uint8Array {
  const out = new Uint8Array(count * size);
  for (let i = 0; i < count; i++) {
    const o = i * size;
    out[o] = 0x01;
    const len = size - 5;
    out[o + 1] = len & 0xff;
    out[o + 2] = (len >>> 8) & 0xff;
    out[o + 3] = (len >>> 16) & 0xff;
    out[o + 4] = (len >>> 24) & 0xff;
    out.fill(0x30 + (i % 10), o + 5, o + size);
  }
  return out;
}

/** Answers Fetch like the server does over a fixed log (§2.3.11), each reply after `reply(...)`. */
export function serveLog(log: () => Uint8Array, reply: (frame: Frame) => Observable<Frame>): Responder {
  return (req) => {
    if (req.command !== Command.FETCH) return reply(controlFrame(Command.COMMIT_ACK, new Uint8Array(16)));
    const data = log();
    const end = BigInt(data.length);
    const offset = req.offset!;
    if (offset === U64_MAX) return reply(fetchReply(end));
    if (offset > end) return reply(catchingUpReply(end));
    const from = Number(offset);
    const chunk = data.subarray(from, Math.min(data.length, from + req.maxBytes!));
    return reply(fetchReply(offset + BigInt(chunk.length), chunk));
  };
}
