/**
 * `lnc`: the command-line tool. Expected failures (unknown topic, refused connection, bad flags)
 * print one line and exit non-zero; only a bug prints a stack trace.
 */
import { parseArgs } from 'node:util';
import { firstValueFrom, fromEvent, take } from 'rxjs';
import { LanceClient } from '../client/lance-client.js';
import { Lance } from '../rx/lance.js';
import { ensureTopic$ } from '../rx/ensure-topic.js';
import { serveMain, SERVE_USAGE } from '../testing/serve-command.js';
import { benchCommand } from './commands/bench.js';
import { consumeCommand } from './commands/consume.js';
import { pingCommand } from './commands/ping.js';
import { produceCommand } from './commands/produce.js';
import { statusCommand } from './commands/status.js';
import { TOPICS_USAGE, topicsCommand } from './commands/topics.js';
import { UsageError, parseCount, parseSize } from './format.js';
import { resolveTarget } from './target.js';

export const USAGE = `usage: lnc <command> [options]

commands:
  serve                         run an embedded Lance server (see lnc serve --help)
  topics list|create|get|delete|retention
  produce <topic>               lines from stdin, or --count N --size S generated records
  consume <topic>               [--from beginning|end|<offset>] [--follow] [--json] [--max N]
  ping [--count N]              keepalive round trips
  status                        cluster status and topic count
  bench [--count N] [--size S]  produce then consume, with an exactly-once check
  demo                          the bench against an embedded server: 1,000,000 records

common options:
  --server host:port            a Lance server (repeatable); default: $LANCE_SERVERS (comma-separated),
                                else an embedded server started in-process
  --token <token>               authenticate every connection (or $LANCE_TOKEN)
  --compression                 produce: wrap batches in the LZ4 record envelope

<topic> is a topic id, or a name (created if missing).`;

export const out = (s: string): void => void process.stdout.write(`${s}\n`);
export const err = (s: string): void => void process.stderr.write(`${s}\n`);

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'serve') {
    if (rest.includes('--help')) return (out(SERVE_USAGE), 0);
    await serveMain([...rest]);
    return 0;
  }
  const { values, positionals } = parseArgs({
    args: [...rest],
    allowPositionals: true,
    strict: true,
    options: {
      server: { type: 'string', multiple: true },
      token: { type: 'string' },
      count: { type: 'string' },
      size: { type: 'string' },
      from: { type: 'string' },
      follow: { type: 'boolean' },
      json: { type: 'boolean' },
      max: { type: 'string' },
      compression: { type: 'boolean' },
      topic: { type: 'string' },
      'max-age-secs': { type: 'string' },
      'max-bytes': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return (out(command === 'topics' ? TOPICS_USAGE : USAGE), 0);
  if (!['topics', 'produce', 'consume', 'ping', 'status', 'bench', 'demo'].includes(command)) {
    throw new UsageError(`unknown command ${command}\n\n${USAGE}`);
  }

  const demo = command === 'demo';
  const target = await resolveTarget(demo ? [] : values.server, err);
  const token = values.token ?? process.env['LANCE_TOKEN'];
  const lance = new Lance({ servers: target.servers, ...(token ? { token } : {}) });
  const stop$ = fromEvent(process, 'SIGINT').pipe(take(1));
  try {
    // Fail fast (one attempt per seed) instead of retrying a server that is not there.
    await firstValueFrom(lance.ready$('control'));
    const topicId = async (): Promise<number> => {
      const t = positionals[0];
      if (t === undefined) throw new UsageError(`${command} needs a <topic> (id or name)`);
      return /^\d+$/.test(t) ? Number(t) : (await firstValueFrom(ensureTopic$(lance, t))).id;
    };
    switch (command) {
      case 'topics':
      case 'ping':
      case 'status': {
        const client = new LanceClient(lance);
        if (command === 'topics')
          await topicsCommand(
            client,
            { positionals, maxAgeSecs: values['max-age-secs'], maxBytes: values['max-bytes'] },
            out,
          );
        else if (command === 'ping') await pingCommand(client, parseCount(values.count, 'count', 3), out);
        else await statusCommand(client, out);
        break;
      }
      case 'produce':
        await produceCommand(
          lance,
          {
            topicId: await topicId(),
            count: values.count === undefined ? undefined : parseCount(values.count, 'count', 0),
            size: parseSize(values.size ?? '100', 'size'),
            compression: values.compression ?? false,
          },
          err,
        );
        break;
      case 'consume':
        await consumeCommand(
          lance,
          {
            topicId: await topicId(),
            from: values.from ?? 'beginning',
            follow: values.follow ?? false,
            json: values.json ?? false,
            max: values.max === undefined ? undefined : parseCount(values.max, 'max', 0),
          },
          out,
          stop$,
        );
        break;
      case 'bench':
      case 'demo': {
        const result = await benchCommand(
          lance,
          {
            count: parseCount(values.count, 'count', demo ? 1_000_000 : 100_000),
            size: parseSize(values.size ?? '100', 'size'),
            topic: values.topic ?? (demo ? 'demo' : 'lnc-bench'),
            compression: values.compression ?? false,
          },
          out,
        );
        if (!result.consumed.complete || result.consumed.duplicates > 0) return 1;
        break;
      }
    }
    return 0;
  } finally {
    await lance.close();
    await target.close();
  }
}
