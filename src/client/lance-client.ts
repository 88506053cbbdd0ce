/**
 * `LanceClient`: the Promise API of the seed clients (Python `LanceClient`, Rust `LanceClient`) over
 * the Rx core. It owns one `Lance` and keeps its control socket open until `close()`; every method is
 * `firstValueFrom` of the matching Observable in `src/rx/admin.ts`, abortable with `signal`.
 *
 * @example
 * await using client = await LanceClient.connect(ClientConfig.fromAddress('127.0.0.1:1992'));
 * const topic = await client.ensureTopic('events');
 */
import type { Observable, Subscription } from 'rxjs';
import { Lance, type CallOptions } from '../rx/lance.js';
import type { LanceOptions } from '../rx/options.js';
import { toPromise } from '../rx/abort.js';
import * as admin from '../rx/admin.js';
import { type EnsureTopicOptions, ensureTopic$ } from '../rx/ensure-topic.js';
import type { RetentionOptions } from '../wire/rules.js';
import type { ClusterStatus } from '../wire/payloads/cluster-status.js';
import type { FetchResponse } from '../wire/payloads/fetch.js';
import type { CommitAck, SubscribeAck } from '../wire/payloads/subscription.js';
import type { RetentionInfo, TopicInfo } from '../wire/payloads/topic-response.js';
import { ClientConfig } from './config.js';
import { asyncDispose } from '../rx/dispose.js';

export interface ConnectOptions {
  readonly signal?: AbortSignal;
  /** Test seams and extra core options (connector, scheduler, ...) applied over the config's. */
  readonly lanceOptions?: Partial<LanceOptions>;
}

export type { CallOptions };

export class LanceClient {
  private readonly hold: Subscription;

  /** Wraps an existing core; prefer `LanceClient.connect`. */
  constructor(readonly lance: Lance) {
    // Keep the control socket for the client's lifetime; failures show on `lance.state$()`.
    this.hold = lance.session$('control').subscribe({ error: () => undefined });
  }

  /**
   * Connects to the first server that answers (trying each seed once) and authenticates if the
   * config has a token. Rejects with the last connection error, or at once on a fatal one.
   */
  static async connect(
    config: ClientConfig | string = new ClientConfig(),
    options: ConnectOptions = {},
  ): Promise<LanceClient> {
    const cfg = typeof config === 'string' ? ClientConfig.fromAddress(config) : config;
    const lance = new Lance({ ...cfg.toLanceOptions(), ...options.lanceOptions });
    const client = new LanceClient(lance);
    try {
      await toPromise(lance.ready$('control'), options.signal);
      return client;
    } catch (err) {
      await client.close();
      throw err;
    }
  }

  createTopic(name: string, o?: CallOptions): Promise<TopicInfo> {
    return this.run(admin.createTopic$(this.lance, name, o), o);
  }
  /** Omitted limits mean no limit; an explicit 0 is refused (InvalidArgumentError). */
  createTopicWithRetention(name: string, retention: RetentionOptions, o?: CallOptions): Promise<TopicInfo> {
    return this.run(admin.createTopicWithRetention$(this.lance, name, retention, o), o);
  }
  /** Create, or find the existing topic of that name (with retries, like the Rust client). */
  ensureTopic(name: string, o?: EnsureTopicOptions): Promise<TopicInfo> {
    return this.run(ensureTopic$(this.lance, name, o), o);
  }
  listTopics(o?: CallOptions): Promise<TopicInfo[]> {
    return this.run(admin.listTopics$(this.lance, o), o);
  }
  getTopic(topicId: number, o?: CallOptions): Promise<TopicInfo> {
    return this.run(admin.getTopic$(this.lance, topicId, o), o);
  }
  setRetention(topicId: number, retention: RetentionOptions, o?: CallOptions): Promise<RetentionInfo> {
    return this.run(admin.setRetention$(this.lance, topicId, retention, o), o);
  }
  async deleteTopic(topicId: number, o?: CallOptions): Promise<void> {
    await this.run(admin.deleteTopic$(this.lance, topicId, o), o);
  }
  /** Keepalive round trip in milliseconds: the one unit `ping` has everywhere in this client (`Lance.ping`, `lnc ping`). */
  ping(o?: CallOptions): Promise<number> {
    return this.run(this.lance.ping$(o), o);
  }
  getClusterStatus(o?: CallOptions): Promise<ClusterStatus> {
    return this.run(admin.getClusterStatus$(this.lance, o), o);
  }
  /** One Fetch at a byte offset; CatchingUp rejects with ServerCatchingUpError (`serverOffset`). */
  fetch(topicId: number, offset: bigint, maxBytes: number, o?: CallOptions): Promise<FetchResponse> {
    return this.run(admin.fetch$(this.lance, topicId, offset, maxBytes, o), o);
  }
  subscribe(
    topicId: number,
    startOffset: bigint,
    maxBatchBytes: number,
    consumerId: bigint,
    o?: CallOptions,
  ): Promise<SubscribeAck> {
    return this.run(admin.subscribe$(this.lance, topicId, startOffset, maxBatchBytes, consumerId, o), o);
  }
  unsubscribe(topicId: number, consumerId: bigint, o?: CallOptions): Promise<void> {
    return this.run(admin.unsubscribe$(this.lance, topicId, consumerId, o), o);
  }
  commitOffset(topicId: number, consumerId: bigint, offset: bigint, o?: CallOptions): Promise<CommitAck> {
    return this.run(admin.commitOffset$(this.lance, topicId, consumerId, offset, o), o);
  }
  /** Authenticates now and on every later reconnect; refusal → AuthenticationError. */
  authenticate(token: string, o?: CallOptions): Promise<void> {
    return this.lance.authenticate(token, o);
  }

  /** Closes the socket(s); pending calls reject with ClosedError. Idempotent. */
  async close(): Promise<void> {
    this.hold.unsubscribe();
    await this.lance.close();
  }
  [asyncDispose](): Promise<void> {
    return this.close();
  }

  private run<T>(source: Observable<T>, o: { readonly signal?: AbortSignal } | undefined): Promise<T> {
    return toPromise(source, o?.signal);
  }
}
