/** The `serve` command (src/testing/serve-command.ts): flags, the `listening on` line, clean shutdown. */
import { serveMain } from '../../src/testing';
import { errorText, fetch, ingest, isAck, tlv } from './helpers/frames';
import { Harness } from './helpers/harness';

const h = new Harness();
const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((stop) => stop()));
  await h.cleanup();
});

async function serve(args: string[]) {
  const abort = new AbortController();
  let line = '';
  let printed!: () => void;
  const listening = new Promise<void>((r) => (printed = r));
  const done = serveMain(args, {
    signal: abort.signal,
    print: (l) => {
      line = l;
      printed();
    },
  });
  await Promise.race([listening, done]);
  const m = /^listening on 127\.0\.0\.1:(\d+)$/.exec(line);
  if (!m) throw new Error(`unexpected line ${JSON.stringify(line)}`);
  const stop = async (): Promise<void> => {
    abort.abort();
    await done;
  };
  running.push(stop);
  return { port: Number(m[1]), stop };
}

describe('serveMain', () => {
  it('prints its address, applies fault flags, and stops cleanly on abort', async () => {
    const dataDir = h.tempDir();
    const s = await serve([
      '--port',
      '0',
      '--group-commit-ms',
      '0',
      '--data-dir',
      dataDir,
      '--forward-failed',
      '1',
      '--rate-limit-fetches',
      '1',
    ]);
    const c = await h.connect(s.port);
    c.send(ingest(1, 0, tlv('x')), ingest(2, 0, tlv('y')), fetch(0, 0, 1), fetch(0, 0, 1));
    const [ff, rl, notFound, ack] = await c.next(4);
    expect(errorText(ff!)).toBe('FORWARD_FAILED: Forward operation timed out');
    expect(errorText(rl!)).toBe('Rate limit exceeded');
    expect(errorText(notFound!)).toBe('Topic 0 not found');
    expect(isAck(ack!, 2)).toBe(true);
    await s.stop();
    await c.waitClosed();
  });

  it('requires tokens when --auth-token is given', async () => {
    const s = await serve(['--port', '0', '--auth-token', 'a', '--auth-token', 'b']);
    const c = await h.connect(s.port);
    c.send(ingest(1, 0, tlv('x')));
    expect(errorText(await c.nextOne())).toBe('Authentication required');
    await s.stop();
  });

  it('rejects bad flags with the usage text', async () => {
    await expect(serveMain(['--port', 'abc'])).rejects.toThrow(/--port must be a non-negative integer/);
    await expect(serveMain(['--bogus'])).rejects.toThrow();
    await expect(serveMain(['--tls-cert', 'x'])).rejects.toThrow(/go together/);
  });
});
