/**
 * `StandaloneConsumer` with offsets in a directory (the Rust client's layout, so a Rust consumer of
 * the same name resumes where this one stopped), read with `for await`.
 */
import { SeekPosition, StandaloneConfig, StandaloneConsumer } from 'lnc-client';

export async function run(address: string, topicId: number, offsetDir: string, limit: number): Promise<string[]> {
  const config = new StandaloneConfig('price-reader', topicId)
    .withStartPosition(SeekPosition.BEGINNING)
    .withOffsetDir(offsetDir)
    .withMaxFetchBytes(1 << 20);
  const consumer = await StandaloneConsumer.connect(address, config);
  const seen: string[] = [];
  try {
    for await (const batch of consumer) {
      for (const record of batch.records) seen.push(record.text());
      // Processed: store the offset after this batch. Without it, leaving the loop hands the batch
      // out again next time (at-least-once), since the consumer cannot know it was processed.
      await consumer.commit();
      if (seen.length >= limit) break;
    }
  } finally {
    await consumer.close();
  }
  return seen;
}
