/**
 * A NestJS-style injectable service. Nest is not a dependency of this example: the class has the
 * shape Nest expects (`@Injectable()` on top, `onModuleInit`/`onModuleDestroy` lifecycle hooks), and
 * works the same in any DI container or none.
 *
 *   @Injectable()
 *   export class OrdersService extends LanceOrdersService { constructor() { super(['lance:1992']) } }
 */
import { type Observable, filter, map, share } from 'rxjs';
import { Lance, type RxProducer, ensureTopic$, toRecords } from 'lnc-client';
import { firstValueFrom } from 'rxjs';

export interface OrderEvent {
  readonly orderId: string;
  readonly status: 'created' | 'paid' | 'shipped';
}

export class LanceOrdersService {
  private readonly lance: Lance;
  private producer: RxProducer | undefined;
  private topicId = 0;
  /** One shared consumer for every subscriber of the app (one socket, not one per subscriber). */
  private shared$: Observable<OrderEvent> | undefined;

  constructor(servers: string[]) {
    this.lance = new Lance({ servers });
  }

  async onModuleInit(): Promise<void> {
    this.topicId = (await firstValueFrom(ensureTopic$(this.lance, 'order-events'))).id;
    this.producer = this.lance.producer(this.topicId);
    this.shared$ = this.lance.topic$(this.topicId).pipe(
      toRecords(),
      map((r) => JSON.parse(r.text()) as OrderEvent),
      share(),
    );
  }

  /**
   * Resolves once the event, and every event published before it, is durably stored (acked).
   * Rejects with the first failure since the previous flush, which may be an earlier or concurrent
   * publish: Rx `flush()` reports every failure once; `acks$` has each outcome.
   */
  async publish(event: OrderEvent): Promise<void> {
    if (!this.producer) throw new Error('OrdersService used before onModuleInit');
    this.producer.next(JSON.stringify(event));
    await this.producer.flush();
  }

  paid$(): Observable<OrderEvent> {
    if (!this.shared$) throw new Error('OrdersService used before onModuleInit');
    return this.shared$.pipe(filter((e) => e.status === 'paid'));
  }

  /** Drains the producer (partial batch sent and acked) and closes every socket. */
  async onModuleDestroy(): Promise<void> {
    await this.lance.close();
  }
}
