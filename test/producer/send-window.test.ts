import { SendWindow, TRUST_AFTER_ACKS } from '../../src/rx/producer/send-window';

/** The window after each of `n` acks. */
const afterAcks = (w: SendWindow, n: number): number[] =>
  Array.from({ length: n }, () => {
    w.onAck();
    return w.size;
  });

describe('SendWindow: slow start after a loss', () => {
  it('starts at max and stays there without a loss', () => {
    const w = new SendWindow(64);
    expect(w.size).toBe(64);
    expect(afterAcks(w, 100).every((n) => n === 64)).toBe(true);
  });

  it('after a loss: 1 until trustAfter acks in a row, then one more per ack up to max', () => {
    const w = new SendWindow(5, 4);
    w.onLoss();
    expect(w.size).toBe(1);
    expect(afterAcks(w, 10)).toEqual([1, 1, 1, 2, 3, 4, 5, 5, 5, 5]);
  });

  it('is never more than the acks earned since the loss, so a connection dying at any point costs no more duplicate frames than it had acked', () => {
    const w = new SendWindow(64);
    w.onLoss();
    afterAcks(w, 200).forEach((size, i) => expect(size).toBeLessThanOrEqual(i + 1));
  });

  it('a loss before trust is earned starts the count again', () => {
    const w = new SendWindow(8, 4);
    w.onLoss();
    afterAcks(w, 3);
    w.onLoss();
    expect(afterAcks(w, 5)).toEqual([1, 1, 1, 2, 3]);
    w.onLoss(); // while growing: back to 1
    expect(w.size).toBe(1);
    expect(afterAcks(w, 4)).toEqual([1, 1, 1, 2]);
  });

  it('the default trust is TRUST_AFTER_ACKS acks, whatever max is', () => {
    const w = new SendWindow(64);
    w.onLoss();
    const sizes = afterAcks(w, TRUST_AFTER_ACKS + 63);
    expect(sizes.slice(0, TRUST_AFTER_ACKS - 1).every((n) => n === 1)).toBe(true);
    expect(sizes[TRUST_AFTER_ACKS - 1]).toBe(2);
    expect(sizes[sizes.length - 1]).toBe(64);
    expect(sizes.indexOf(64)).toBe(TRUST_AFTER_ACKS + 61);
  });

  it('Backpressure halves it; trusted, the next ack restores max; while growing, acks grow it by one', () => {
    const w = new SendWindow(8, 2);
    w.onBackpressure();
    w.onBackpressure();
    expect(w.size).toBe(2);
    w.onAck();
    expect(w.size).toBe(8);

    w.onLoss();
    afterAcks(w, 5); // 1, 2, 3, 4, 5
    expect(w.size).toBe(5);
    w.onBackpressure();
    expect(w.size).toBe(2);
    expect(afterAcks(w, 7)).toEqual([3, 4, 5, 6, 7, 8, 8]);
    w.onBackpressure(); // trusted again
    w.onAck();
    expect(w.size).toBe(8);
  });

  it('never goes below 1, and a max of 1 stays 1', () => {
    const w = new SendWindow(1);
    w.onBackpressure();
    expect(w.size).toBe(1);
    w.onLoss();
    expect(afterAcks(w, 20).every((n) => n === 1)).toBe(true);
  });
});
