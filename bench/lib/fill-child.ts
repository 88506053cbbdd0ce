/**
 * Fills a new topic with fixed-size records over a raw socket, in its own process, and prints
 * `TOPIC <id>`: a memory benchmark must not carry the fill's garbage in its own RSS.
 * Args: address, topic name, record count, record size.
 */
import { RawConnection, fixedPayloads } from '../../test/consumer/raw-ingest';

async function main(): Promise<void> {
  const [address, name, count, size] = process.argv.slice(2) as [string, string, string, string];
  const raw = await RawConnection.open(address);
  const topicId = await raw.createTopic(name);
  await raw.ingest(topicId, fixedPayloads(Number(count), Number(size), 10_000), 8);
  raw.close();
  process.stdout.write(`TOPIC ${topicId}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
