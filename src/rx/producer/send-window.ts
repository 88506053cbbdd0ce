/**
 * How many unacked ingest frames the producer may have on its connection: slow start after a loss.
 *
 * A connection that dies leaves its unacked batches with an unknown outcome; they are resent on
 * the next one, and the server does not deduplicate. Resending the whole window into a connection
 * that dies again stores most of it twice (a resend storm): the Lance server handles one socket
 * read at a time and acks a read only once all of it is durable, so when a connection dies, the
 * frames of its last read can be stored and none of them acked. So, after a loss:
 *
 * - The window is 1 until the connection has earned trust: `trustAfter` acks in a row with no loss
 *   (default {@link TRUST_AFTER_ACKS}). With one frame in flight, a connection that dies costs at
 *   most that one frame twice, however early it dies.
 * - Then it grows by one per ack (it doubles per round trip, as TCP's slow start) up to `max`. It
 *   never doubles per ack: one round trip would then take it from 1 to `max`, and a connection that
 *   dies shortly after earning trust would cost up to `max` duplicate frames for `trustAfter`
 *   acked ones. Growing by one keeps the window at most the acks earned since the loss (it is
 *   `acks - trustAfter + 2`), so a connection dying at any point costs no more duplicate frames
 *   than it has had acked (or the one it died on).
 * - Once at `max` it is trusted again, as before any loss: a Backpressure frame halves it, and the
 *   next ack restores `max`.
 *
 * A producer whose connection never failed starts, and stays, at `max`: no cost without faults.
 */

/**
 * Acks in a row a connection needs after a loss before the window grows past 1.
 *
 * 16 because: it spans two of the server's 256 KiB read cycles at the default 32 KiB batch (eight
 * frames a read), so the connection has answered whole reads, not just its first frames; a
 * connection that keeps dying before 16 acks costs at most one duplicate frame per connection
 * (the floor: the frame it died on was stored); and 16 round trips at window 1 (each an ack's
 * network round trip plus the server's commit, a few ms) keep the cost of a one-off reconnect to a
 * healthy server small. `maxPendingAcks` (64 by default) would quadruple that cost for little gain.
 */
export const TRUST_AFTER_ACKS = 16;

export class SendWindow {
  private current: number;
  /** Acks in a row since the last loss (counted only while not trusted). */
  private streak = 0;
  /** No loss, or the window has grown back to `max` since the last one. */
  private trusted = true;

  constructor(
    readonly max: number,
    readonly trustAfter: number = TRUST_AFTER_ACKS,
  ) {
    this.current = max;
  }

  /** Frames allowed in flight now (at least 1). */
  get size(): number {
    return this.current;
  }

  /** A batch was acked. */
  onAck(): void {
    if (this.trusted) {
      this.current = this.max; // undoes Backpressure halving
      return;
    }
    this.streak++;
    if (this.streak < this.trustAfter) return;
    this.current = Math.min(this.max, this.current + 1);
    if (this.current === this.max) this.trusted = true;
  }

  /** A connection died with batches in flight (their outcome unknown): back to 1, trust is lost. */
  onLoss(): void {
    this.trusted = false;
    this.streak = 0;
    this.current = 1;
  }

  /** A Backpressure frame: halve (at least 1). Acks grow it back (see onAck). */
  onBackpressure(): void {
    this.current = Math.max(1, this.current >> 1);
  }
}
