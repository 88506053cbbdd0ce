import { ClosedError, InvalidArgumentError } from '../../src/wire/errors';
import { MemoryOffsetStore } from '../../src/offsets/memory-offset-store';

describe('MemoryOffsetStore', () => {
  it('round-trips, keeps keys apart and deletes', async () => {
    const store = new MemoryOffsetStore();
    expect(await store.load(1, 100n)).toBeUndefined();
    await store.save(1, 100n, 42n);
    await store.save(12, 3n, 7n);
    await store.save(1, 23n, 9n);
    expect(await store.load(1, 100n)).toBe(42n);
    expect(await store.load(12, 3n)).toBe(7n);
    expect(await store.load(1, 23n)).toBe(9n);
    await store.save(1, 100n, 5n); // going back is allowed: seeks are legitimate
    expect(await store.load(1, 100n)).toBe(5n);
    await store.delete(1, 100n);
    expect(await store.load(1, 100n)).toBeUndefined();
  });

  it('accepts the full u64 range and rejects anything outside it', async () => {
    const store = new MemoryOffsetStore();
    await store.save(0xffff_ffff, (1n << 64n) - 1n, (1n << 64n) - 1n);
    expect(await store.load(0xffff_ffff, (1n << 64n) - 1n)).toBe((1n << 64n) - 1n);
    await expect(store.save(1, 1n, -1n)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.save(1, 1n, 1n << 64n)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.save(1, -1n, 0n)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.save(-1, 1n, 0n)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.save(1.5, 1n, 0n)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.load(2 ** 32, 1n)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('rejects calls after close', async () => {
    const store = new MemoryOffsetStore();
    await store.close();
    await store.close();
    await expect(store.load(1, 1n)).rejects.toBeInstanceOf(ClosedError);
  });
});
