/**
 * Fault injection for `LanceServer` (`server.faults`). Every fault mimics something a real Lance
 * deployment can do to a client (PROTOCOL.md section in brackets); counters are shared by all
 * connections and count down from the moment the fault is armed. Arming a fault again replaces it.
 *
 * | method                                   | effect |
 * |------------------------------------------|--------|
 * | `dropAfterFrames(n, { abrupt })`         | after the n-th frame handled from now (any connection), that connection is closed: FIN after the replies already written, or RST if `abrupt`. Acks owed for that read are never sent (their data is stored) [§1.4, §3.3] |
 * | `dropEachConnectionAfterFrames(n, { abrupt })` | every connection (open or future) is closed once it has handled its n-th frame, the same way; stays armed until `clear()` or `dropEachConnectionAfterFrames(undefined)` [§1.4, §3.3] |
 * | `forwardFailed({ writes, fetches, admin, any }, { message })` | the next n ingests / fetches / topic-admin commands get `FORWARD_FAILED: <message>` (default `Forward operation timed out`); a failed ingest is not stored [§3.2, §3.4] |
 * | `notLeader(addr \| null, { count, writes, fetches, admin })` | same, with `NOT_LEADER: redirect to <addr>` (or `NOT_LEADER: leader unknown` for null); `count` = any kind (default 1) [§3.4] |
 * | `catchingUp(n, { serverOffset })`        | the next n fetches are answered with CatchingUp (default payload: the topic's current size, 0 if unknown) [§2.3.12] |
 * | `rateLimitFetches(n)`                    | the next n fetches get `Rate limit exceeded` [§2.3.11 step 1] |
 * | `withholdAcks()`                         | acks are held back (in order) while the connection keeps reading and answering everything else |
 * | `stallAcks()`                            | acks are held and the connection stops reading, like a server stuck in fsync [§6.2, §6.3] |
 * | `releaseAcks()` / `discardAcks()`        | send (in order) or forget the held acks, and go back to normal |
 * | `sendBackpressure()`                     | writes a Backpressure frame (flags 0x10) on every open connection now; returns how many (the real server never does, §6.4) |
 * | `corruptNextFrame({ part })`             | the next frame the server sends gets a wrong header CRC (default) or, for `part: 'payload'`, the next frame with a payload gets a wrong payload CRC [§1.4] |
 * | `refuseConnections(on, { mode })`        | while on, new connections are reset (`mode: 'reset'`, default) or closed (`'close'`) right after accept |
 * | `clear()`                                | disarms everything and releases held acks |
 *
 * To make the port refuse connections outright (ECONNREFUSED), use `server.restart({ downMs })`.
 */
import { encodeBackpressure } from '../wire/index.js';
import { FaultState, type CorruptPart, type FaultTargets, type RefuseMode } from './fault-state.js';

export type { FaultTargets } from './fault-state.js';

/** What the faults need from the server. */
export interface FaultHost {
  /** Writes `frame` to every open connection; returns how many. */
  broadcast(frame: Uint8Array): number;
  /** Sends (or drops) every held ack, then lets stalled connections read again. */
  releaseAcks(discard: boolean): void;
}

export class Faults {
  /** @internal The state the connections read. */
  readonly state = new FaultState();

  constructor(private readonly host: FaultHost) {}

  dropAfterFrames(n: number, options: { abrupt?: boolean } = {}): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError('dropAfterFrames: n must be an integer ≥ 1');
    this.state.drop = { remaining: n, mode: options.abrupt ? 'abrupt' : 'graceful' };
  }

  /** `undefined` disarms it. */
  dropEachConnectionAfterFrames(n: number | undefined, options: { abrupt?: boolean } = {}): void {
    if (n === undefined) {
      this.state.dropEach = undefined;
      return;
    }
    if (!Number.isInteger(n) || n < 1) throw new RangeError('dropEachConnectionAfterFrames: n must be an integer ≥ 1');
    this.state.dropEach = { frames: n, mode: options.abrupt ? 'abrupt' : 'graceful' };
  }

  forwardFailed(targets: FaultTargets, options: { message?: string } = {}): void {
    this.state.forward.arm(targets);
    this.state.forwardMessage = options.message ?? 'Forward operation timed out';
  }

  /** `leader` is an `ip:port` (IPv6 as `[::1]:1992`), or null for "leader unknown". */
  notLeader(leader: string | null, options: FaultTargets & { count?: number } = {}): void {
    const { count, ...targets } = options;
    const kinds = targets.writes !== undefined || targets.fetches !== undefined || targets.admin !== undefined;
    this.state.notLeader.arm({ ...targets, any: count ?? targets.any ?? (kinds ? 0 : 1) });
    this.state.notLeaderText = leader === null ? 'NOT_LEADER: leader unknown' : `NOT_LEADER: redirect to ${leader}`;
  }

  catchingUp(n: number, options: { serverOffset?: bigint } = {}): void {
    this.state.catchingUp = n;
    this.state.catchingUpOffset = options.serverOffset;
  }

  rateLimitFetches(n: number): void {
    this.state.rateLimited = n;
  }

  withholdAcks(): void {
    this.state.ackMode = 'withhold';
  }

  stallAcks(): void {
    this.state.ackMode = 'stall';
  }

  releaseAcks(): void {
    this.state.ackMode = 'normal';
    this.host.releaseAcks(false);
  }

  discardAcks(): void {
    this.state.ackMode = 'normal';
    this.host.releaseAcks(true);
  }

  sendBackpressure(): number {
    return this.host.broadcast(encodeBackpressure());
  }

  corruptNextFrame(options: { part?: CorruptPart } = {}): void {
    this.state.corrupt = options.part ?? 'header';
  }

  refuseConnections(on: boolean, options: { mode?: RefuseMode } = {}): void {
    this.state.refusing = on ? (options.mode ?? 'reset') : undefined;
  }

  clear(): void {
    this.state.reset();
    this.host.releaseAcks(false);
  }
}
