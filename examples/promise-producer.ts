/** The Promise API of the official clients: `Producer.connect`, `send`, `sendBatch`, `flush`, `close`. */
import { LanceClient, Producer, ProducerConfig, TlvRecord } from 'lnc-client';

export async function run(address: string): Promise<number> {
  const admin = await LanceClient.connect(address);
  const topic = await admin.ensureTopic('prices');
  await admin.close();

  const producer = await Producer.connect(address, new ProducerConfig().withBatchSize(64 * 1024).withLingerMs(10));
  try {
    // Awaiting each send is fine: with nothing in flight a batch goes out at once.
    const ack = await producer.send(topic.id, JSON.stringify({ symbol: 'LNC', price: 6942.25 }));
    console.log(`acked in batch ${ack.batchId} (${ack.count} record(s))`);

    // Fire and forget: resolves once buffered; failures surface on flush().
    for (let i = 0; i < 1000; i++) await producer.sendAsync(topic.id, `tick ${i}`);

    await producer.sendBatch(topic.id, [TlvRecord.json({ a: 1 }), TlvRecord.keyValue('user-1', 'logged-in')]);
    await producer.flush();
    return producer.stats.recordsAccepted;
  } finally {
    await producer.close();
  }
}
