/** Injects one scheduled fault into a chaos topology, holds it, and heals it. */
import type { ChaosTopology } from './chaos-topology';
import type { RoleTracker } from './chaos-roles';
import type { FaultEvent } from './chaos-schedule';
import { sleep } from './chaos-util';

export interface InjectionTargets {
  readonly topology: ChaosTopology;
  readonly producerRole: RoleTracker;
  readonly consumerRoles: readonly RoleTracker[];
}

/** Runs `e` to its end (injected, held `holdMs`, healed); resolves with a note for the report, if any. */
export async function injectFault(e: FaultEvent, t: InjectionTargets): Promise<string | undefined> {
  const { server, proxies } = t.topology;
  const sideProxies = (side: FaultEvent['side']) =>
    t.topology.sideProxies(side, {
      producer: [t.producerRole.address],
      consumer: t.consumerRoles.map((r) => r.address),
    });
  switch (e.kind) {
    case 'proxy-close':
      for (const p of sideProxies(e.side)) p.closeAll();
      return undefined;
    case 'proxy-reset':
      for (const p of sideProxies(e.side)) p.resetAll();
      return undefined;
    case 'restart':
      await server.restart({ downMs: e.holdMs });
      return undefined;
    case 'crash-restart':
      await server.restart({ crash: true, downMs: e.holdMs });
      return undefined;
    case 'server-drop':
      server.faults.dropAfterFrames(e.count, { abrupt: e.abrupt });
      await sleep(e.holdMs);
      server.faults.clear();
      return undefined;
    case 'forward-failed':
      server.faults.forwardFailed({ writes: e.count, fetches: 1 });
      await sleep(e.holdMs);
      server.faults.clear();
      return undefined;
    case 'catching-up':
      server.faults.catchingUp(e.count);
      await sleep(e.holdMs);
      server.faults.clear();
      return undefined;
    case 'stall-acks':
      server.faults.stallAcks();
      await sleep(e.holdMs);
      server.faults.releaseAcks();
      return undefined;
    case 'not-leader': {
      // The fault names the address the producer is *not* on, so each redirect moves it
      // (producer → leader → producer…).
      const onLeader = t.producerRole.address === proxies.leader.address;
      const target = onLeader ? proxies.producer : proxies.leader;
      // Writes redirect the producer; a fetch answered NOT_LEADER is retried by the consumer.
      const seen = t.producerRole.causes['NOT_LEADER'] ?? 0;
      server.faults.notLeader(target.address, { writes: e.count, fetches: 1 });
      await sleep(e.holdMs);
      // Keep it armed (a while) until the producer has met it, should it have been between sessions.
      const until = performance.now() + 2 * e.holdMs;
      while ((t.producerRole.causes['NOT_LEADER'] ?? 0) === seen && performance.now() < until) await sleep(50);
      server.faults.clear();
      return `redirect to ${t.topology.name(target.address)}`;
    }
    case 'blackhole': {
      const ps = sideProxies(e.side);
      for (const p of ps) p.blackhole(true);
      await sleep(e.holdMs);
      for (const p of ps) p.blackhole(false);
      return undefined;
    }
  }
}

/** One line for the progress log. */
export function describeFault(e: FaultEvent): string {
  switch (e.kind) {
    case 'proxy-close':
    case 'proxy-reset':
    case 'blackhole':
      return `${e.kind} (${e.side}${e.holdMs ? `, ${e.holdMs} ms` : ''})`;
    case 'server-drop':
      return `server-drop after ${e.count} frames (${e.abrupt ? 'RST' : 'FIN'})`;
    case 'restart':
    case 'crash-restart':
      return `${e.kind} (down ${e.holdMs} ms)`;
    case 'stall-acks':
      return `stall-acks ${e.holdMs} ms`;
    default:
      return `${e.kind} ×${e.count}`;
  }
}
