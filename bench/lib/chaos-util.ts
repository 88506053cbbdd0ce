/** Small helpers of the chaos harness: waiting, promise tracking, deadlines, handle counts. */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** Remembers every promise it is given until it settles: whatever is still in `pending` never did. */
export class PromiseTracker {
  readonly pending = new Map<number, string>();
  tracked = 0;

  track<T>(label: string, p: Promise<T>): Promise<T> {
    const id = ++this.tracked;
    this.pending.set(id, label);
    const done = (): void => void this.pending.delete(id);
    p.then(done, done);
    return p;
  }
}

/** Waits for `p` (settled either way) at most `ms`; calls `onTimeout` when it did not settle. */
export async function withDeadline(p: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  const result = await Promise.race([
    p.then(
      () => 'ok' as const,
      () => 'ok' as const,
    ),
    late,
  ]);
  clearTimeout(timer);
  if (result === 'late') onTimeout();
}

/** Counts `process.getActiveResourcesInfo()` by kind, to compare before and after a run. */
export function activeResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of process.getActiveResourcesInfo()) out[x] = (out[x] ?? 0) + 1;
  return out;
}

/** Resource kinds above their count in `before`, as "Kind +n". */
export function resourcesAbove(before: Record<string, number>): string[] {
  return Object.entries(activeResources())
    .filter(([kind, n]) => n > (before[kind] ?? 0))
    .map(([kind, n]) => `${kind} +${n - (before[kind] ?? 0)}`);
}

/** Walks a stored TLV log (type u8, length u32 LE, value); returns the bytes after the last whole record. */
export function scanLog(bytes: Uint8Array, onValue: (value: Uint8Array) => void): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  while (bytes.length - o >= 5) {
    const end = o + 5 + view.getUint32(o + 1, true);
    if (end > bytes.length) break;
    onValue(bytes.subarray(o + 5, end));
    o = end;
  }
  return bytes.length - o;
}
