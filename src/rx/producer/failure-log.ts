/**
 * Failures kept until a later call reports them (`flush()`, `close()`). Capped: the call throws
 * the first one, and every one of them is an outcome on `acks$` anyway.
 */
import type { LanceError } from '../../wire/errors.js';

export class FailureLog {
  private errors: LanceError[] = [];

  constructor(private readonly cap = 100) {}

  note(err: LanceError): void {
    if (this.errors.length < this.cap) this.errors.push(err);
  }

  /** The failures noted since the last call; clears them. */
  take(): LanceError[] {
    const out = this.errors;
    this.errors = [];
    return out;
  }
}
