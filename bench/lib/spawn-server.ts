/** Starts bench/lib/server-child.ts in a child process and resolves with its port. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { LanceServerOptions } from '../../src/testing/index';

export interface ChildServer {
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export function spawnServer(options: LanceServerOptions, nodeArgs: string[] = []): Promise<ChildServer> {
  const script = join(__dirname, 'server-child.ts');
  const child = spawn(process.execPath, [...nodeArgs, '-r', 'ts-node/register/transpile-only', script, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
  });
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
