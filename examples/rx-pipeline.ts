/**
 * The Rx API end to end: orders go in through a producer Subject, come back through `topic$`, and are
 * filtered and mapped with ordinary RxJS operators.
 *
 *   npx ts-node examples/rx-pipeline.ts            # against an embedded server
 *   LANCE_SERVERS=10.0.0.5:1992 npx ts-node examples/rx-pipeline.ts
 */
import { concatMap, filter, firstValueFrom, from, map, take, tap, toArray } from 'rxjs';
import { Lance, ensureTopic$, toRecords, whenRoom } from 'lnc-client';
import { LanceServer } from 'lnc-client/testing';

interface Order {
  id: number;
  amount: number;
}

export async function run(servers: string[]): Promise<Order[]> {
  const lance = new Lance({ servers });
  try {
    const topic = await firstValueFrom(ensureTopic$(lance, 'orders'));

    // Produce: a producer is an Observer, so any Observable can feed it. `whenRoom` paces a fast
    // source so it never overruns the producer's memory bound.
    const producer = lance.producer(topic.id);
    producer.acks$.subscribe((o) => o.type !== 'acked' && console.error('not delivered:', o));
    const orders = Array.from({ length: 10_000 }, (_, id): Order => ({ id, amount: (id * 37) % 500 }));
    await firstValueFrom(
      from(orders).pipe(
        concatMap((o) => whenRoom(producer, 4 << 20).pipe(tap(() => producer.next(JSON.stringify(o))))),
        toArray(),
      ),
    );
    await producer.flush();

    // Consume: big orders only.
    return await firstValueFrom(
      lance.topic$(topic.id).pipe(
        toRecords(),
        map((r) => JSON.parse(r.text()) as Order),
        filter((o) => o.amount > 490),
        take(10),
        toArray(),
      ),
    );
  } finally {
    await lance.close();
  }
}

if (require.main === module) {
  void (async () => {
    const env = process.env['LANCE_SERVERS'];
    const server = env ? undefined : await LanceServer.start({ port: 0 });
    try {
      console.log(await run(env ? env.split(',') : [server!.address]));
    } finally {
      await server?.stop();
    }
  })();
}
