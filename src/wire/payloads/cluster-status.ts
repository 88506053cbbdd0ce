/** ClusterStatusResponse (0x81), sorted keys; standalone adds "mode":"standalone" (§2.3.9). */
import { asNumber, asObject, asU64, parseServerJson, type JsonValue } from './json.js';

export interface ClusterStatus {
  readonly mode: string | undefined;
  readonly nodeId: number;
  readonly isLeader: boolean;
  readonly leaderId: number | null;
  readonly currentTerm: bigint;
  readonly nodeCount: number;
  readonly healthyNodes: number;
  readonly quorumAvailable: boolean;
  readonly peerStates: Readonly<Record<string, string>>;
  /** The parsed JSON as sent, for fields a newer server may add. */
  readonly raw: { readonly [key: string]: JsonValue };
}

export function decodeClusterStatus(p: Uint8Array): ClusterStatus {
  const o = asObject(parseServerJson(p), 'cluster status');
  const peers: Record<string, string> = {};
  const rawPeers = o['peer_states'];
  if (rawPeers && typeof rawPeers === 'object' && !Array.isArray(rawPeers)) {
    for (const [k, v] of Object.entries(rawPeers)) peers[k] = String(v);
  }
  return {
    mode: typeof o['mode'] === 'string' ? o['mode'] : undefined,
    nodeId: asNumber(o['node_id'], 'node_id'),
    isLeader: o['is_leader'] === true,
    leaderId: o['leader_id'] === null || o['leader_id'] === undefined ? null : asNumber(o['leader_id'], 'leader_id'),
    currentTerm: asU64(o['current_term'], 'current_term'),
    nodeCount: asNumber(o['node_count'], 'node_count'),
    healthyNodes: asNumber(o['healthy_nodes'], 'healthy_nodes'),
    quorumAvailable: o['quorum_available'] === true,
    peerStates: peers,
    raw: o,
  };
}
