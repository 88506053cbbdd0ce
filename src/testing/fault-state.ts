/**
 * The armed faults, as the connection and the handlers consult them. The public, documented API that
 * arms them is `Faults` (faults.ts); this module only counts down and answers "does this request fail?".
 */
export type RequestKind = 'writes' | 'fetches' | 'admin';

/** How many requests of each kind a fault applies to; `any` counts every kind. */
export interface FaultTargets {
  readonly writes?: number;
  readonly fetches?: number;
  readonly admin?: number;
  readonly any?: number;
}

export type AckMode = 'normal' | 'withhold' | 'stall';
export type DropMode = 'graceful' | 'abrupt';
export type CorruptPart = 'header' | 'payload';
export type RefuseMode = 'reset' | 'close';

class Counter {
  writes = 0;
  fetches = 0;
  admin = 0;
  any = 0;

  arm(t: FaultTargets): void {
    this.writes = t.writes ?? 0;
    this.fetches = t.fetches ?? 0;
    this.admin = t.admin ?? 0;
    this.any = t.any ?? 0;
  }

  take(kind: RequestKind): boolean {
    if (this[kind] > 0) {
      this[kind]--;
      return true;
    }
    if (this.any > 0) {
      this.any--;
      return true;
    }
    return false;
  }
}

export class FaultState {
  drop: { remaining: number; mode: DropMode } | undefined;
  /** Re-armed on every connection: closed once it has handled this many frames. */
  dropEach: { frames: number; mode: DropMode } | undefined;
  readonly forward = new Counter();
  forwardMessage = 'Forward operation timed out';
  readonly notLeader = new Counter();
  notLeaderText = 'NOT_LEADER: leader unknown';
  catchingUp = 0;
  catchingUpOffset: bigint | undefined;
  rateLimited = 0;
  corrupt: CorruptPart | undefined;
  ackMode: AckMode = 'normal';
  refusing: RefuseMode | undefined;

  reset(): void {
    this.drop = undefined;
    this.dropEach = undefined;
    this.forward.arm({});
    this.notLeader.arm({});
    this.catchingUp = 0;
    this.catchingUpOffset = undefined;
    this.rateLimited = 0;
    this.corrupt = undefined;
    this.ackMode = 'normal';
    this.refusing = undefined;
  }

  /**
   * Called after each handled frame, on any connection, with how many that connection has handled
   * (this one included); returns how to drop the connection when a count runs out.
   */
  frameHandled(onConnection: number): DropMode | undefined {
    const each = this.dropEach;
    const d = this.drop;
    if (d !== undefined && --d.remaining <= 0) {
      this.drop = undefined;
      return d.mode;
    }
    if (each !== undefined && onConnection >= each.frames) return each.mode;
    return undefined;
  }

  /** The error text a cluster fault answers this request with, if one is armed. */
  requestError(kind: RequestKind): string | undefined {
    if (this.forward.take(kind)) return `FORWARD_FAILED: ${this.forwardMessage}`;
    if (this.notLeader.take(kind)) return this.notLeaderText;
    return undefined;
  }

  takeRateLimit(): boolean {
    if (this.rateLimited <= 0) return false;
    this.rateLimited--;
    return true;
  }

  takeCatchingUp(): boolean {
    if (this.catchingUp <= 0) return false;
    this.catchingUp--;
    return true;
  }

  /** Whether the next outgoing frame (with or without payload) is to be corrupted, and where. */
  takeCorruption(hasPayload: boolean): CorruptPart | undefined {
    const c = this.corrupt;
    if (c === undefined || (c === 'payload' && !hasPayload)) return undefined;
    this.corrupt = undefined;
    return c;
  }
}

/** Flips the header CRC (bytes 8..12) or the payload CRC (bytes 36..40) of the frame at `o`. */
export function corruptFrame(frame: Uint8Array, o: number, part: CorruptPart): void {
  const at = o + (part === 'header' ? 8 : 36);
  frame[at] = frame[at]! ^ 0xff;
}
