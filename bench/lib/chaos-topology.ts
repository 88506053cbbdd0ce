/**
 * Where a chaos run's traffic goes: one embedded LanceServer with a data dir, reached through three
 * FaultProxies.
 *
 *   producer Lance ──► proxy "producer" ──┐
 *                 └──► proxy "leader"  ───┼──► LanceServer (dataDir, group commit)
 *   consumer Lance ──► proxy "consumer" ──┘
 *
 * NOT_LEADER between "two servers": the redirect target must serve the *same* log, or the consumer
 * (reading the first server) would never see what the producer wrote after being redirected, and
 * duplicates/gaps would mean nothing. A real cluster keeps byte-identical segments on every node
 * (PROTOCOL.md §2.3.11), which a single embedded server reached through two addresses models
 * exactly: the "leader" proxy is a second address forwarding to the same server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { Lance, createTopic$ } from '../../src/index';
import { LanceServer } from '../../src/testing';
import { FaultProxy } from '../../src/testing/fault-proxy';
import type { Side } from './chaos-schedule';

export interface ChaosTopology {
  readonly server: LanceServer;
  readonly proxies: { readonly producer: FaultProxy; readonly leader: FaultProxy; readonly consumer: FaultProxy };
  readonly topicId: number;
  /** The proxies a fault aimed at `side` must hit, given the addresses its roles are connected to now. */
  sideProxies(
    side: Side,
    current: { producer: readonly (string | undefined)[]; consumer: readonly (string | undefined)[] },
  ): FaultProxy[];
  /** A proxy's role name for reports ('producer-proxy', …), or the address itself. */
  name(address: string): string;
  /** Stops proxies and server and deletes the data dir. */
  stop(): Promise<void>;
}

export async function startTopology(o: {
  readonly seed: number;
  readonly groupCommitMs: number;
}): Promise<ChaosTopology> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lnc-chaos-'));
  const server = await LanceServer.start({ port: 0, dataDir, groupCommitMs: o.groupCommitMs });
  const proxies = {
    producer: await FaultProxy.start({ target: server.address }),
    leader: await FaultProxy.start({ target: server.address }),
    consumer: await FaultProxy.start({ target: server.address }),
  };
  const admin = new Lance({ servers: [server.address] });
  const topic = await firstValueFrom(createTopic$(admin, `chaos-${o.seed >>> 0}-${Date.now()}`));
  await admin.close();

  const proxyOf = (address: string | undefined): FaultProxy[] =>
    Object.values(proxies).filter((p) => p.address === address);
  return {
    server,
    proxies,
    topicId: topic.id,
    // A role can be on its own proxy or, after a NOT_LEADER redirect, on the leader proxy: a fault
    // aimed at one side must reach the proxy that side is connected through right now.
    sideProxies(side, current) {
      if (side === 'both') return Object.values(proxies);
      const own = side === 'producer' ? proxies.producer : proxies.consumer;
      return [...new Set([own, ...current[side].flatMap(proxyOf)])];
    },
    name(addr) {
      if (addr === proxies.producer.address) return 'producer-proxy';
      if (addr === proxies.leader.address) return 'leader-proxy';
      if (addr === proxies.consumer.address) return 'consumer-proxy';
      return addr;
    },
    async stop() {
      await Promise.all(Object.values(proxies).map((p) => p.stop()));
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
