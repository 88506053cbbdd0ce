import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main';
import { LanceServer } from '../../src/testing';

const run = promisify(execFile);

/** Runs `lnc` in-process, capturing what it prints. */
async function lnc(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('lnc CLI', () => {
  let server: LanceServer;
  beforeEach(async () => {
    server = await LanceServer.start({ groupCommitMs: 0 });
  });
  afterEach(() => server.stop());

  it('manages topics', async () => {
    const s = ['--server', server.address];
    expect((await lnc('topics', 'create', 'orders', ...s)).out).toMatch(/1\s+orders/);
    await lnc('topics', 'create', 'audit', '--max-age-secs', '86400', ...s);
    const list = await lnc('topics', 'list', ...s);
    expect(list.out).toMatch(/orders[\s\S]*audit/);
    expect((await lnc('topics', 'get', '2', ...s)).out).toMatch(/audit/);
    expect((await lnc('topics', 'retention', '2', '--max-bytes', '1048576', ...s)).out).toBe(
      'topic 2: max_age_secs=10000000000 max_bytes=1048576\n',
    );
    expect((await lnc('topics', 'delete', '1', ...s)).out).toBe('deleted topic 1\n');
    expect((await lnc('topics', 'list', ...s)).out).not.toMatch(/orders/);
  });

  it('produces generated records and consumes them back as JSON lines', async () => {
    const s = ['--server', server.address];
    const p = await lnc('produce', 'events', '--count', '2500', '--size', '16', ...s);
    expect(p.code).toBe(0);
    expect(p.err).toMatch(/2,500 records acked/);
    const c = await lnc('consume', 'events', '--json', ...s);
    const lines = c.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { offset: string; type: number });
    expect(lines).toHaveLength(2500);
    expect(lines[1]).toEqual(expect.objectContaining({ offset: '21', type: 1 }));
    // --from end without --follow has nothing to print and exits at once.
    expect((await lnc('consume', 'events', '--from', 'end', ...s)).out).toBe('');
    expect((await lnc('consume', 'events', '--max', '3', ...s)).out.split('\n')).toHaveLength(4);
  });

  it('bench proves exactly-once delivery', async () => {
    const r = await lnc('bench', '--count', '20000', '--size', '64', '--server', server.address);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/exactly once: yes \(missing 0, duplicates 0, foreign 0\)/);
  });

  it('reports ping and status', async () => {
    expect((await lnc('ping', '--count', '2', '--server', server.address)).out).toMatch(/2 pings, p50/);
    expect((await lnc('status', '--server', server.address)).out).toMatch(/mode\s+standalone/);
  });

  it('starts an embedded server when none is given, and says so', async () => {
    const prev = process.env['LANCE_SERVERS'];
    delete process.env['LANCE_SERVERS'];
    try {
      const r = await lnc('topics', 'list');
      expect(r.err).toMatch(/embedded Lance server/);
      expect(r.out).toBe('(no topics)\n');
    } finally {
      if (prev !== undefined) process.env['LANCE_SERVERS'] = prev;
    }
  });

  it('prints one line and exits non-zero for expected failures, without a stack trace', async () => {
    const bin = ['-r', 'ts-node/register', 'src/cli/bin.ts'];
    const fail = await run(process.execPath, [...bin, 'topics', 'get', '99', '--server', server.address]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(fail).toMatchObject({ code: 1 });
    expect((fail as { stderr: string }).stderr).toBe('lnc: Topic not found\n');
    const usage = await run(process.execPath, [
      ...bin,
      'topics',
      'create',
      'bad_name',
      '--server',
      server.address,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(usage).toMatchObject({ code: 1 });
    expect((usage as { stderr: string }).stderr).toMatch(/^lnc: invalid topic name "bad_name"/);
    expect((usage as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
    const refused = await run(process.execPath, [...bin, 'ping', '--server', '127.0.0.1:1']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toMatch(/^lnc: .*ECONNREFUSED.*\n$/);
  }, 30000);
});
