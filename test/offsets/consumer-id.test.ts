import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { consumerIdFromName, sipHash13 } from '../../src/offsets/consumer-id';

const vectors = JSON.parse(readFileSync(join(__dirname, '../fixtures/lwp-vectors.json'), 'utf8')) as {
  consumerIdSipHash13: Record<string, string>;
};

describe('consumerIdFromName', () => {
  const cases = Object.entries(vectors.consumerIdSipHash13);

  it('has the four vectors from lwp-vectors.json', () => {
    expect(cases).toHaveLength(4);
  });

  it.each(cases)('%j → %s', (name, id) => {
    expect(consumerIdFromName(name)).toBe(BigInt(id));
  });

  it('hashes UTF-8 bytes, not UTF-16 units', () => {
    const bytes = new Uint8Array([...Buffer.from('é', 'utf8'), 0xff]);
    expect(consumerIdFromName('é')).toBe(sipHash13(bytes));
  });

  it('covers block boundaries (names of 0..20 bytes) with in-range u64 results', () => {
    const seen = new Set<bigint>();
    for (let n = 0; n <= 20; n++) {
      const id = consumerIdFromName('x'.repeat(n));
      expect(id >= 0n && id < 1n << 64n).toBe(true);
      seen.add(id);
    }
    expect(seen.size).toBe(21);
  });
});

describe('sipHash13', () => {
  // The vectors only use keys (0, 0); make sure the keys are not silently ignored.
  it('depends on its keys', () => {
    const data = new Uint8Array([1, 2, 3]);
    expect(sipHash13(data, 1n, 0n)).not.toBe(sipHash13(data));
    expect(sipHash13(data, 0n, 1n)).not.toBe(sipHash13(data));
  });

  it('reads a subarray view correctly', () => {
    const backing = new Uint8Array(32).fill(7);
    const name = Buffer.from('worker-1\xff', 'latin1');
    backing.set(name, 5);
    expect(sipHash13(backing.subarray(5, 5 + name.length))).toBe(consumerIdFromName('worker-1'));
  });
});
