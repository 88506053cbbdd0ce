/**
 * Attribution of acks and id-less errors against a model of the server's per-read ordering
 * (PROTOCOL.md §6.2): within one read, inline errors are written during the pass (in order), then
 * the acks of the accepted ingests (in order); all output of a read precedes any of the next read.
 * The client may send later batches at any moment before their read is handled.
 */
import fc from 'fast-check';
import { InFlightWindow } from '../../src/rx/producer/attribution';
import { Batch } from '../../src/rx/producer/batch';
import { ServerError, type LanceError } from '../../src/wire/errors';

type Event = { kind: 'send'; i: number } | { kind: 'ack'; i: number } | { kind: 'error'; i: number };

/** Client sends and server outputs for `bad` (per batch) cut into reads of the given sizes. */
function schedule(bad: boolean[], readSizes: number[], sendLead: number[]): Event[] {
  const reads: number[][] = [];
  let i = 0;
  for (const n of readSizes) {
    if (i >= bad.length) break;
    reads.push(Array.from({ length: Math.min(n, bad.length - i) }, (_, k) => i + k));
    i += n;
  }
  if (i < bad.length) reads.push(Array.from({ length: bad.length - i }, (_, k) => i + k));
  const outputs: Event[][] = reads.map((r) => [
    ...r.filter((b) => bad[b]).map((b): Event => ({ kind: 'error', i: b })),
    ...r.filter((b) => !bad[b]).map((b): Event => ({ kind: 'ack', i: b })),
  ]);
  // Sends of read k happen after the sends of read k-1, and before read k's output, possibly
  // interleaved into the output of up to `lead` earlier reads.
  const events: Event[] = [];
  const pendingSends: Event[][] = reads.map((r) => r.map((b): Event => ({ kind: 'send', i: b })));
  let sent = 0;
  for (let k = 0; k < reads.length; k++) {
    const lead = sendLead[k % sendLead.length] ?? 0;
    while (sent <= Math.min(reads.length - 1, k + lead)) events.push(...pendingSends[sent++]!);
    events.push(...outputs[k]!);
  }
  return events;
}

describe('InFlightWindow attribution (model of per-read ordering)', () => {
  it('every batch gets exactly its own outcome, whatever the reads and send timing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 5 }),
        (bad, readSizes, sendLead) => {
          const outcome = new Map<number, string>();
          const batches = bad.map((_, i) => new Batch(1, i, 1, new Uint8Array(0), 0, i));
          const window = new InFlightWindow({
            acked: (b) => outcome.set(b.firstSeq, 'ok'),
            failed: (b, e) => outcome.set(b.firstSeq, e.message),
            unexplained: (b) => outcome.set(b.firstSeq, 'unexplained'),
          });
          let nextId = 1;
          for (const e of schedule(bad, readSizes, sendLead)) {
            if (e.kind === 'send') {
              batches[e.i]!.batchId = nextId++;
              window.add(batches[e.i]!);
            } else if (e.kind === 'ack') {
              window.ack(batches[e.i]!.batchId);
            } else {
              const err: LanceError = new ServerError(`bad ${e.i}`);
              window.error(err);
            }
            // Never a wrong verdict, at any moment.
            for (const [i, o] of outcome) expect(o).toBe(bad[i] ? `bad ${i}` : 'ok');
          }
          expect(outcome.size).toBe(bad.length);
          expect(window.length).toBe(0);
          expect(window.strayErrors + window.strayAcks).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
