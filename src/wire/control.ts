/** Control frames (flags 0x40): the command code rides in the low byte of `batch_id` (§1.5, §2.2). */
import { Command, Flags } from './constants.js';
import { encodeFrame, type Frame } from './frame.js';

export function encodeControl(command: number, payload?: Uint8Array): Uint8Array {
  return encodeFrame(
    payload === undefined
      ? { flags: Flags.CONTROL, batchId: BigInt(command) }
      : { flags: Flags.CONTROL, batchId: BigInt(command), payload },
  );
}

export const encodeKeepalive = (): Uint8Array => encodeFrame({ flags: Flags.KEEPALIVE });

export const encodeAck = (batchId: bigint): Uint8Array => encodeFrame({ flags: Flags.ACK, batchId });

export const encodeBackpressure = (): Uint8Array => encodeFrame({ flags: Flags.BACKPRESSURE });

export type FrameKind = 'control' | 'keepalive' | 'ack' | 'backpressure' | 'ingest' | 'unknown';

/** The server's classification order, first match wins (§1.5). */
export function frameKind(frame: Pick<Frame, 'flags' | 'payload'>): FrameKind {
  const f = frame.flags;
  if (f & Flags.CONTROL) return 'control';
  if (f & Flags.KEEPALIVE) return 'keepalive';
  if (f & Flags.ACK) return 'ack';
  if (f & Flags.BACKPRESSURE) return 'backpressure';
  if (f & Flags.BATCH_MODE || frame.payload.length > 0) return 'ingest';
  return 'unknown';
}

/** Command code of a control frame: only the low byte of `batch_id` counts. */
export function commandOf(frame: Pick<Frame, 'batchId'>): number {
  return Number(frame.batchId & 0xffn);
}

const COMMAND_NAMES = new Map<number, string>(Object.entries(Command).map(([name, code]) => [code, name]));

/** `CREATE_TOPIC` for 0x10: for messages that say what was tried. */
export function commandName(code: number): string {
  return COMMAND_NAMES.get(code) ?? `command 0x${code.toString(16).padStart(2, '0')}`;
}
