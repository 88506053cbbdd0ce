/**
 * Regression tests for bugs found by the hostile-server suite, each with the cause it had and the fix it got.
 */
import { ClientConfig } from '../../src/client/config';
import { LanceClient } from '../../src/client/lance-client';
import { StandaloneConfig } from '../../src/client/standalone-config';
import { isLanceError } from '../../src/wire/errors';
import { StandaloneConsumer } from '../../src/client/standalone-consumer';
import { Command } from '../../src/wire/constants';
import { writeU32 } from '../../src/wire/bytes';
import { decodeFetch, encodeFetchResponse } from '../../src/wire/payloads/fetch';
import { type HostileServer, controlReply, isCommand, settleWithin, startHostileServer } from './hostile-server';

let servers: HostileServer[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('StandaloneConsumer.poll() and a server that trickles one record', () => {
  /*
   * FIXED (was): src/client/standalone-consumer.ts, `next()`: `if (!r.caughtUp) continue;` loops without
   * looking at `timeoutMs`. A fetch that returns data but completes no record (a record longer than
   * one fetch) restarts the loop at once, so a server that answers every Fetch with 1 byte of a
   * 16 MiB record keeps one poll() busy for 16 million round trips: pollTimeoutMs is not honoured
   * (effectively a hang of poll(), and close() cannot interrupt it either: `closed` is only read on
   * the caught-up path).
   *
   * The fix: check the deadline on that path too; the assembler keeps the tail and `fetchOffset`, so the
   * next poll() simply continues:
   *
   *     if (!r.caughtUp) {
   *       if (this.closed || this.scheduler.now() - start >= timeoutMs) return null;
   *       continue;
   *     }
   */
  it('returns within pollTimeoutMs (null) while the record is still incomplete', async () => {
    const RECORD = 16 * 1024 * 1024;
    const header = new Uint8Array(5);
    header[0] = 1;
    writeU32(header, 1, RECORD);
    let fetches = 0;
    const srv = await startHostileServer(() => ({
      onFrame: (f, c) => {
        if (!isCommand(f, Command.FETCH)) return;
        fetches++;
        const { offset } = decodeFetch(f.payload);
        const byte = offset < 5n ? header[Number(offset)]! : 0x61;
        c.write(controlReply(Command.FETCH_RESPONSE, encodeFetchResponse(offset + 1n, Uint8Array.of(byte))));
      },
    }));
    servers.push(srv);
    const consumer = await StandaloneConsumer.connect(
      srv.address,
      new StandaloneConfig('trickle', 1)
        .withLagProbeInterval(false)
        .withPollTimeout(100)
        .withServerCommit(false)
        .withManualCommit(),
    );
    cleanups.push(() => consumer.close());
    const r = await settleWithin(consumer.poll(), 2_000, 'poll').catch((e: unknown) => e);
    // Stop the trickle whatever happened, so the test ends (the loop ends once requests fail).
    await srv.close();
    expect(r).toEqual({ status: 'fulfilled', value: null });
    expect(fetches).toBeGreaterThan(1);
  });
});

describe('RecordAssembler memory while a record trickles in', () => {
  /*
   * FIXED (was): src/rx/consumer/record-assembler.ts, `keep()`: the incomplete record's tail is an array of
   * views, one per fetch, each keeping its whole frame buffer alive. Memory is O(number of fetches),
   * not O(bytes): a server answering each Fetch with 1 byte of a 16 MiB record makes the consumer
   * (topic$ has no poll timeout) hold 16 M views + 16 M frame buffers, about 250 bytes per byte of
   * record, i.e. gigabytes, before the record completes. The limit `maxRecordLength` bounds bytes,
   * not pieces.
   *
   * The fix: keep the tail in one buffer. Once the 5-byte header is known, allocate `5 + len` bytes
   * (len <= maxRecordLength is already checked) and copy each piece in; before that, copy the < 5
   * header bytes into a small array. Pieces are then copied once (as the stitched record already
   * is) and never retain frame buffers.
   */
  it('holds O(bytes), not O(fetches): 50k one-byte fetches of a 1 MiB record retain under 4 MiB (views retained ~12 MB)', async () => {
    const { RecordAssembler } = await import('../../src/rx/consumer/record-assembler');
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const a = new RecordAssembler();
    const header = Uint8Array.of(1, 0, 0, 0x10, 0); // a 1 MiB record
    gc();
    const before = process.memoryUsage();
    const N = 50_000;
    for (let i = 0; i < N; i++) {
      const frame = new Uint8Array(61); // each fetch reply is its own buffer, as off a socket
      frame[16] = i < 5 ? header[i]! : 0x61;
      a.push(frame.subarray(16, 17), BigInt(i));
    }
    gc();
    const after = process.memoryUsage();
    expect(a.pendingBytes).toBe(N);
    const retained = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    // The record's own 1 MiB buffer plus measurement noise of a loaded run; one view per fetch was ~12 MB.
    expect(retained).toBeLessThan(4 * 1024 * 1024);
  });
});

describe('an ErrorResponse in reply to the Authenticate sent on connect', () => {
  /*
   * FIXED (was a hang): src/rx/open-session.ts:59, the Authenticate request's `error: () => undefined`
   * assumes the request can only fail because the session died. But an ErrorResponse reply (any
   * server text: "Authentication required", "Access denied", "FORWARD_FAILED: …") errors the
   * request while the session stays up: the reply cancelled the deadline, nothing kills the session,
   * and openSession neither emits nor errors. `LanceClient.connect`, `Producer.connect`,
   * `StandaloneConsumer.connect` and every request of that role wait forever (no timeout applies).
   *
   * The fix: in that error handler, kill the session with the error unless it is already dead:
   *     error: (err: unknown) => { if (!s.closed) s.kill(err); },
   * (`kill` keeps a LanceError as is, so AuthenticationError/AccessDeniedError stay fatal and a
   * retryable FORWARD_FAILED reconnects.)
   */
  it.each(['Authentication required', 'Access denied', 'FORWARD_FAILED: leader moved'])(
    'connect settles with a typed error when the server answers "%s"',
    async (text) => {
      const srv = await startHostileServer(() => ({
        onFrame: (f, c) => {
          if (isCommand(f, Command.AUTHENTICATE)) c.write(controlReply(Command.ERROR_RESPONSE, text));
        },
      }));
      servers.push(srv);
      const connecting = LanceClient.connect(
        ClientConfig.fromAddress(srv.address)
          .withAuthToken('tok')
          .withRequestTimeout(300)
          .withReconnect({ baseMs: 5, maxMs: 10, maxRetries: 1 }),
      );
      cleanups.push(() =>
        connecting.then(
          (c) => c.close(),
          () => undefined,
        ),
      );
      const r = await settleWithin(connecting, 2_000, 'connect').catch((e: unknown) => e);
      await srv.close(); // lets a hung connect fail, so the test ends either way
      expect(r).toMatchObject({ status: 'rejected' });
      expect(isLanceError((r as { reason?: unknown }).reason)).toBe(true);
    },
  );
});
