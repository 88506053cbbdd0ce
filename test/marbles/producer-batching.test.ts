/**
 * The producer's batching pipeline in virtual time: records in (a hot observable subscribed into
 * the producer), ingest frames out (each shown as the concatenation of its records' text).
 */
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createProducer } from '../../src/rx/producer/create-producer';
import type { ProducerOptions } from '../../src/rx/producer/options';
import { FakeConnection, text } from '../producer/fakes';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const LONG = 'LLLLLLLLLL';
const records = { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e', L: LONG };

interface Case {
  readonly options?: ProducerOptions;
  /** Records (a, b, c: 6 bytes of TLV each; L: 15 bytes); `|` closes the producer. */
  readonly input: string;
  /** Batch ids to ack, as they would arrive. */
  readonly acks?: string;
  readonly frames: string;
  readonly values: Record<string, string>;
}

function run(c: Case) {
  newScheduler().run(({ hot, expectObservable }) => {
    const conn = new FakeConnection();
    const producer = createProducer(conn.session$, 1, { lingerMs: 5, flushWhenIdle: false, ...c.options });
    const session = conn.connect();
    hot(c.input, records).subscribe(producer);
    if (c.acks) hot(c.acks).subscribe((id) => session.ack(Number(id)));
    expectObservable(session.sent$.pipe(map((f) => f.records.map(text).join('')))).toBe(c.frames, c.values);
  });
}

describe('producer batching (marbles)', () => {
  it('linger: a batch leaves lingerMs after its first record', () => {
    run({ input: '-ab 10ms c', frames: '------x 11ms y', values: { x: 'ab', y: 'c' } });
  });

  it('size: a batch leaves as soon as it is full; the rest lingers', () => {
    run({ options: { batchSize: 12 }, input: '-abc', frames: '--x 5ms y', values: { x: 'ab', y: 'c' } });
  });

  it('a record bigger than batchSize closes the open batch and goes alone, at once', () => {
    run({ options: { batchSize: 12, lingerMs: 50 }, input: '-aL', frames: '--(xy)', values: { x: 'a', y: LONG } });
  });

  it('idle: no empty batches, nothing emitted while nothing is buffered', () => {
    run({ input: '-a 30ms b', frames: '------x 30ms y', values: { x: 'a', y: 'b' } });
  });

  it('complete (close) flushes the partial batch at once', () => {
    run({ options: { lingerMs: 100 }, input: '-ab|', frames: '---x', values: { x: 'ab' } });
  });

  it('flushWhenIdle (Nagle): the first record leaves at once; the next are packed behind it, with no linger, until its ack', () => {
    run({
      options: { flushWhenIdle: true, lingerMs: 2 },
      input: '-abc',
      acks: '------1',
      frames: '-x----y',
      values: { x: 'a', y: 'bc' },
    });
  });

  it('packing: a frame started behind others grows past batchSize, up to maxRequestBytes, and leaves when full', () => {
    // 6 TLV bytes a record: batchSize 12 would cut at two, maxRequestBytes 18 cuts at three.
    run({
      options: { flushWhenIdle: true, batchSize: 12, maxRequestBytes: 18 },
      input: '-abcde',
      acks: '--------1-2',
      frames: '-x--y-----z',
      values: { x: 'a', y: 'bcd', z: 'e' },
    });
  });

  it('packing waits for the whole pipe to drain: an ack that leaves another frame in flight releases nothing', () => {
    run({
      options: { flushWhenIdle: true, batchSize: 12, maxRequestBytes: 12 },
      input: '-abcd',
      acks: '-----1--2',
      frames: '-x-y----z',
      values: { x: 'a', y: 'bc', z: 'd' },
    });
  });

  it('without flushWhenIdle there is no packing: frames of batchSize, cut by lingerMs', () => {
    run({
      options: { flushWhenIdle: false, batchSize: 12, maxRequestBytes: 1024 },
      input: '-abc',
      frames: '--x 5ms y',
      values: { x: 'ab', y: 'c' },
    });
  });
});
