/**
 * Which servers a command talks to: `--server host:port` (repeatable), else `LANCE_SERVERS`
 * (comma-separated), else an embedded LanceServer started in-process — so every command works on a
 * machine with no Lance server, and says so.
 */
import { LanceServer } from '../testing/server.js';

export interface Target {
  readonly servers: string[];
  readonly embedded: LanceServer | undefined;
  close(): Promise<void>;
}

export async function resolveTarget(
  flagServers: readonly string[] | undefined,
  log: (line: string) => void,
): Promise<Target> {
  const fromEnv = (process.env['LANCE_SERVERS'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const servers = flagServers && flagServers.length > 0 ? [...flagServers] : fromEnv;
  if (servers.length > 0) return { servers, embedded: undefined, close: async () => undefined };
  const embedded = await LanceServer.start({ host: '127.0.0.1', port: 0 }); // the real server's timing: 256 KiB reads, 5 ms / 4 MiB group commit
  log(
    `no --server or LANCE_SERVERS given: using an embedded Lance server at ${embedded.address} (in memory, real group-commit timing: acks after a 5 ms gap or 4 MiB; gone on exit)`,
  );
  return { servers: [embedded.address], embedded, close: () => embedded.stop() };
}
