/**
 * Topic administration, standalone mode (PROTOCOL.md §2.3.3–2.3.9). Wire grammar:
 *
 *   CreateTopic (0x01)               name UTF-8 (lossy)          → 0x80 {"created_at","id","name","topic_epoch":1}
 *   CreateTopicWithRetention (0x06)  name_len u16 | name | max_age_secs u64 | max_bytes u64
 *                                    → 0x80 {"created_at","id","max_age_secs","max_bytes","name","topic_epoch":1}
 *   ListTopics (0x03)                (payload ignored)            → 0x80 {"topics":[{"id","name","created_at","topic_epoch"}]} (struct order)
 *   GetTopic (0x04)                  topic_id u32 (short → 0)     → 0x80 {"created_at","id","name","topic_epoch"}
 *   DeleteTopic (0x02)               topic_id u32 (short → 0)     → 0x80 {"deleted":id}
 *   SetRetention (0x05)              topic_id u32 | max_age_secs u64 | max_bytes u64 → 0x80 {"max_age_secs","max_bytes","topic_id"}
 *   GetClusterStatus (0x07)          (no payload)                 → 0x81 standalone status
 *
 * Errors (exact texts, §3.2): "Topic name required", "Topic '<name>' already exists",
 * "Invalid data: Topic name ...", "Invalid create topic payload" (< 18 bytes), "Invalid payload length"
 * (< 2 + name_len + 16), "Topic not found" (GetTopic), "Configuration error: Topic <id> not found"
 * (DeleteTopic, SetRetention), "Invalid set retention payload" (< 20 bytes).
 */
import {
  Command,
  decodeCreateTopic,
  decodeCreateTopicWithRetention,
  decodeSetRetention,
  decodeTopicId,
  type JsonValue,
} from '../../wire/index.js';
import { ReplyError } from '../errors.js';
import { jsonFrame } from '../replies.js';
import type { TopicMeta } from '../storage/storage.js';
import type { ControlHandler } from './context.js';

const topicJson = (m: TopicMeta): { [k: string]: JsonValue } => ({
  created_at: m.createdAt,
  id: m.id,
  name: m.name,
  topic_epoch: 1,
});

export const createTopic: ControlHandler = (payload, ctx) => {
  if (payload.length === 0) throw new ReplyError('Topic name required');
  const meta = ctx.store.create(decodeCreateTopic(payload));
  return jsonFrame(Command.TOPIC_RESPONSE, topicJson(meta));
};

export const createTopicWithRetention: ControlHandler = (payload, ctx) => {
  if (payload.length < 18) throw new ReplyError('Invalid create topic payload');
  const nameLength = payload[0]! | (payload[1]! << 8);
  if (payload.length < 2 + nameLength + 16) throw new ReplyError('Invalid payload length');
  const r = decodeCreateTopicWithRetention(payload);
  // Both values are stored as given: 0 is not "unlimited" (§2.3.4, §2.5).
  const meta = ctx.store.create(r.name, { maxAgeSecs: r.maxAgeSecs, maxBytes: r.maxBytes });
  return jsonFrame(Command.TOPIC_RESPONSE, { ...topicJson(meta), max_age_secs: r.maxAgeSecs, max_bytes: r.maxBytes });
};

export const listTopics: ControlHandler = (_payload, ctx) => {
  // `TopicListResponse` is a derived struct: keys in declaration order, not sorted (§2.2, §2.3.5).
  const topics = ctx.store
    .list()
    .map(({ meta: m }) => ({ id: m.id, name: m.name, created_at: m.createdAt, topic_epoch: 1 }));
  return jsonFrame(Command.TOPIC_RESPONSE, { topics }, false);
};

export const getTopic: ControlHandler = (payload, ctx) => {
  const topic = ctx.store.get(decodeTopicId(payload));
  if (topic === undefined) throw new ReplyError('Topic not found');
  return jsonFrame(Command.TOPIC_RESPONSE, topicJson(topic.meta));
};

export const deleteTopic: ControlHandler = (payload, ctx) => {
  const id = decodeTopicId(payload);
  ctx.store.delete(id);
  return jsonFrame(Command.TOPIC_RESPONSE, { deleted: id });
};

export const setRetention: ControlHandler = (payload, ctx) => {
  if (payload.length < 20) throw new ReplyError('Invalid set retention payload');
  const r = decodeSetRetention(payload);
  ctx.store.setRetention(r.topicId, { maxAgeSecs: r.maxAgeSecs, maxBytes: r.maxBytes });
  return jsonFrame(Command.TOPIC_RESPONSE, { max_age_secs: r.maxAgeSecs, max_bytes: r.maxBytes, topic_id: r.topicId });
};

/** The standalone form of the cluster status (§2.3.9); it carries no addresses. */
export const clusterStatus: ControlHandler = () =>
  jsonFrame(Command.CLUSTER_STATUS_RESPONSE, {
    current_term: 0,
    healthy_nodes: 1,
    is_leader: true,
    leader_id: 0,
    mode: 'standalone',
    node_count: 1,
    node_id: 0,
    peer_states: {},
    quorum_available: true,
  });
