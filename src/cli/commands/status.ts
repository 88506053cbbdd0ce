/** `lnc status`: the server's GetClusterStatus answer and its topics. */
import type { LanceClient } from '../../client/lance-client.js';
import { table } from '../format.js';

export async function statusCommand(client: LanceClient, print: (s: string) => void): Promise<void> {
  const s = await client.getClusterStatus();
  const topics = await client.listTopics();
  print(
    table(
      ['field', 'value'],
      [
        ['mode', s.mode ?? 'cluster'],
        ['node_id', String(s.nodeId)],
        ['is_leader', String(s.isLeader)],
        ['leader_id', String(s.leaderId)],
        ['current_term', String(s.currentTerm)],
        ['nodes (healthy/total)', `${s.healthyNodes}/${s.nodeCount}`],
        ['quorum_available', String(s.quorumAvailable)],
        ['topics', String(topics.length)],
      ],
    ),
  );
}
