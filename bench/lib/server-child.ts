/**
 * Runs a LanceServer in its own process for benchmarks, so the server never shares an event loop
 * with the load generator. Options come as JSON in argv[2]; prints `PORT <n>` once listening and
 * stops cleanly on SIGTERM / SIGINT or when stdin closes.
 */
import { LanceServer, type LanceServerOptions } from '../../src/testing/index';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as LanceServerOptions;
  const server = await LanceServer.start(options);
  process.stdout.write(`PORT ${server.port}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

void main();
