/** `lnc topics list|create|get|delete|retention`. */
import type { LanceClient } from '../../client/lance-client.js';
import type { RetentionOptions } from '../../wire/rules.js';
import type { TopicInfo } from '../../wire/payloads/topic-response.js';
import { UsageError, parseCount, table } from '../format.js';

export const TOPICS_USAGE = `usage:
  lnc topics list
  lnc topics create <name> [--max-age-secs N] [--max-bytes N]
  lnc topics get <id>
  lnc topics delete <id>
  lnc topics retention <id> [--max-age-secs N] [--max-bytes N]
An omitted retention limit means "no limit"; 0 is refused (the server would delete the data).`;

export interface TopicsArgs {
  readonly positionals: readonly string[];
  readonly maxAgeSecs?: string | undefined;
  readonly maxBytes?: string | undefined;
}

const row = (t: TopicInfo): string[] => [String(t.id), t.name, t.createdAt.toISOString(), String(t.topicEpoch)];
const HEADERS = ['id', 'name', 'created_at', 'epoch'];

export async function topicsCommand(client: LanceClient, args: TopicsArgs, print: (s: string) => void): Promise<void> {
  const [sub, arg] = args.positionals;
  const retention = (): RetentionOptions => ({
    ...(args.maxAgeSecs !== undefined ? { maxAgeSecs: BigInt(parseCount(args.maxAgeSecs, 'max-age-secs', 0)) } : {}),
    ...(args.maxBytes !== undefined ? { maxBytes: BigInt(args.maxBytes) } : {}),
  });
  const id = (): number => {
    if (arg === undefined || !/^\d+$/.test(arg))
      throw new UsageError(`expected a topic id, got ${arg ?? 'nothing'}\n${TOPICS_USAGE}`);
    return Number(arg);
  };
  switch (sub) {
    case 'list': {
      const topics = (await client.listTopics()).sort((a, b) => a.id - b.id);
      print(topics.length === 0 ? '(no topics)' : table(HEADERS, topics.map(row)));
      return;
    }
    case 'create': {
      if (!arg) throw new UsageError(`expected a topic name\n${TOPICS_USAGE}`);
      const r = retention();
      const t =
        Object.keys(r).length > 0 ? await client.createTopicWithRetention(arg, r) : await client.createTopic(arg);
      print(table(HEADERS, [row(t)]));
      return;
    }
    case 'get':
      print(table(HEADERS, [row(await client.getTopic(id()))]));
      return;
    case 'delete':
      await client.deleteTopic(id());
      print(`deleted topic ${arg}`);
      return;
    case 'retention': {
      const r = await client.setRetention(id(), retention());
      print(`topic ${r.topicId}: max_age_secs=${r.maxAgeSecs} max_bytes=${r.maxBytes}`);
      return;
    }
    default:
      throw new UsageError(TOPICS_USAGE);
  }
}
