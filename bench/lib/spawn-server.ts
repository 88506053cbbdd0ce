/**
 * Starts bench/lib/server-child.ts in a child process and resolves with its port. Benchmarks run
 * against the server's default, real timing (256 KiB reads, 5 ms / 4 MiB group commit): a
 * `groupCommitMs` here is refused, since acking at once would flatter every number.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { LanceServerOptions } from '../../src/testing/index';

export interface ChildServer {
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export function spawnServer(
  options: Omit<LanceServerOptions, 'groupCommitMs'>,
  nodeArgs: string[] = [],
): Promise<ChildServer> {
  if ('groupCommitMs' in options)
    return Promise.reject(
      new Error('spawnServer: benchmarks run with the real group-commit timing; drop groupCommitMs'),
    );
  const script = join(__dirname, 'server-child.ts');
  const child = spawn(
    process.execPath,
    [...nodeArgs, '-r', 'ts-node/register/transpile-only', script, JSON.stringify(options)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`server child exited early (${code})`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /PORT (\d+)/.exec(out);
      if (!m) return;
      child.removeAllListeners('exit');
      resolve({
        port: Number(m[1]),
        child,
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
