/** Bounds-checked reading of fixed-layout payloads; a short payload is an InvalidFrameError. */
import { InvalidFrameError } from '../errors.js';

export function requireLength(payload: Uint8Array, min: number, what: string): void {
  if (payload.length < min) {
    throw new InvalidFrameError(`${what} payload is ${payload.length} bytes, expected at least ${min}`);
  }
}
