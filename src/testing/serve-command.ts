/**
 * `lnc serve`: runs a LanceServer until SIGINT / SIGTERM, then shuts it down cleanly.
 * Prints `listening on <host>:<port>` once the port is open.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LanceServer, type LanceServerOptions } from './server.js';

export const SERVE_USAGE = `usage: lnc serve [options]
  --host <ip>                  interface (default 127.0.0.1)
  --port <n>                   port (default 1992; 0 = any free port)
  --data-dir <dir>             persist segments under <dir>/segments (default: memory only)
  --auth-token <token>         accept this token for Authenticate; repeatable (enables ingest auth)
  --group-commit-ms <n>        group-commit idle gap (default 5, the real server's; 0 = ack at once, for fast tests only)
  --max-payload-size <bytes>   largest accepted payload (default 16777216)
  --segment-max-bytes <bytes>  segment rotation size (default 1 GiB)
  --retention-interval-ms <n>  retention pass period (default 60000)
  --tls-cert <pem> --tls-key <pem> [--tls-ca <pem>] [--require-client-cert]
                               terminate TLS (a stand-in for a TLS proxy)
fault injection:
  --drop-after-frames <n> [--drop-abrupt]  close the connection after the n-th frame (RST with --drop-abrupt)
  --forward-failed <n>         answer the next n ingests/fetches/admin commands with FORWARD_FAILED
  --not-leader <ip:port> [--not-leader-count <n>]  answer the next n (default 1) with NOT_LEADER
  --catching-up <n>            answer the next n fetches with CatchingUp
  --rate-limit-fetches <n>     answer the next n fetches with "Rate limit exceeded"
  --withhold-acks              hold every ack back (never sent)`;

export interface ServeIo {
  /** Where the `listening on ...` line goes. Default: stdout. */
  readonly print?: (line: string) => void;
  /** Stops the server like a signal would. */
  readonly signal?: AbortSignal;
}

export async function serveMain(argv: string[], io: ServeIo = {}): Promise<void> {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'auth-token': { type: 'string', multiple: true },
      'group-commit-ms': { type: 'string' },
      'max-payload-size': { type: 'string' },
      'segment-max-bytes': { type: 'string' },
      'retention-interval-ms': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
      'require-client-cert': { type: 'boolean' },
      'drop-after-frames': { type: 'string' },
      'drop-abrupt': { type: 'boolean' },
      'forward-failed': { type: 'string' },
      'not-leader': { type: 'string' },
      'not-leader-count': { type: 'string' },
      'catching-up': { type: 'string' },
      'rate-limit-fetches': { type: 'string' },
      'withhold-acks': { type: 'boolean' },
    },
  });
  if ((v['tls-cert'] === undefined) !== (v['tls-key'] === undefined))
    throw new Error(`--tls-cert and --tls-key go together\n${SERVE_USAGE}`);
  const options: LanceServerOptions = {
    host: v.host ?? '127.0.0.1',
    port: int(v.port, 'port') ?? 1992,
    ...(v['data-dir'] === undefined ? {} : { dataDir: v['data-dir'] }),
    ...(v['auth-token'] === undefined ? {} : { authTokens: v['auth-token'] }),
    ...opt('groupCommitMs', int(v['group-commit-ms'], 'group-commit-ms')),
    ...opt('maxPayloadSize', int(v['max-payload-size'], 'max-payload-size')),
    ...opt('segmentMaxBytes', int(v['segment-max-bytes'], 'segment-max-bytes')),
    ...opt('retentionIntervalMs', int(v['retention-interval-ms'], 'retention-interval-ms')),
    ...(v['tls-cert'] === undefined
      ? {}
      : {
          tls: {
            cert: readFileSync(v['tls-cert']),
            key: readFileSync(v['tls-key']!),
            ...(v['tls-ca'] === undefined ? {} : { ca: readFileSync(v['tls-ca']) }),
            requireClientCert: v['require-client-cert'] === true,
          },
        }),
  };
  const server = await LanceServer.start(options);
  const f = server.faults;
  const dropAfter = int(v['drop-after-frames'], 'drop-after-frames');
  if (dropAfter !== undefined) f.dropAfterFrames(dropAfter, { abrupt: v['drop-abrupt'] === true });
  const forwardFailed = int(v['forward-failed'], 'forward-failed');
  if (forwardFailed !== undefined) f.forwardFailed({ any: forwardFailed });
  if (v['not-leader'] !== undefined)
    f.notLeader(v['not-leader'], { count: int(v['not-leader-count'], 'not-leader-count') ?? 1 });
  const catchingUp = int(v['catching-up'], 'catching-up');
  if (catchingUp !== undefined) f.catchingUp(catchingUp);
  const rateLimit = int(v['rate-limit-fetches'], 'rate-limit-fetches');
  if (rateLimit !== undefined) f.rateLimitFetches(rateLimit);
  if (v['withhold-acks'] === true) f.withholdAcks();

  (io.print ?? ((line: string) => process.stdout.write(`${line}\n`)))(`listening on ${server.address}`);
  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      io.signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (io.signal?.aborted) done();
    else io.signal?.addEventListener('abort', done);
  });
  await server.stop();
}

function int(s: string | undefined, name: string): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(s)}\n${SERVE_USAGE}`);
  return n;
}

function opt<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}
