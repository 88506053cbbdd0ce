/**
 * TopicResponse (0x80) bodies (PROTOCOL.md §2.3.3–2.3.8), parsed generically:
 *
 *   create/get      {"created_at":secs,"id":n,"name":"..","topic_epoch":n}
 *   with retention  + top-level "max_age_secs", "max_bytes" (never a "retention" object)
 *   list            {"topics":[{id,name,created_at,topic_epoch}, ...]}
 *   delete          {"deleted":id}
 *   set retention   {"max_age_secs":..,"max_bytes":..,"topic_id":..}
 */
import { asNumber, asObject, asString, asU64, parseServerJson, type JsonValue } from './json.js';
import { InvalidFrameError } from '../errors.js';

export interface TopicInfo {
  readonly id: number;
  readonly name: string;
  /** From the server's `created_at`, which is Unix seconds. */
  readonly createdAt: Date;
  readonly topicEpoch: number;
  /** Present only in a CreateTopicWithRetention reply. */
  readonly retention?: { readonly maxAgeSecs: bigint; readonly maxBytes: bigint };
}

/** The largest time a Date can hold, in seconds (ECMAScript: ±8.64e15 ms). */
const MAX_DATE_SECS = 8_640_000_000_000;

export function topicInfoFromJson(v: JsonValue | undefined): TopicInfo {
  const o = asObject(v, 'topic');
  const createdAt = asNumber(o['created_at'], 'topic.created_at');
  if (createdAt > MAX_DATE_SECS) throw new InvalidFrameError(`topic.created_at ${createdAt} is not a time in seconds`);
  const info = {
    id: asNumber(o['id'], 'topic.id'),
    name: asString(o['name'], 'topic.name'),
    createdAt: new Date(createdAt * 1000),
    topicEpoch: o['topic_epoch'] === undefined ? 0 : asNumber(o['topic_epoch'], 'topic.topic_epoch'),
  };
  if (o['max_age_secs'] !== undefined || o['max_bytes'] !== undefined) {
    return {
      ...info,
      retention: { maxAgeSecs: asU64(o['max_age_secs'], 'max_age_secs'), maxBytes: asU64(o['max_bytes'], 'max_bytes') },
    };
  }
  return info;
}

export const decodeTopicInfo = (p: Uint8Array): TopicInfo => topicInfoFromJson(parseServerJson(p));

export function decodeTopicList(p: Uint8Array): TopicInfo[] {
  const topics = asObject(parseServerJson(p), 'topic list')['topics'];
  if (!Array.isArray(topics)) throw new InvalidFrameError('topic list: "topics" is not an array');
  return topics.map(topicInfoFromJson);
}

export function decodeDeleted(p: Uint8Array): number {
  return asNumber(asObject(parseServerJson(p), 'delete reply')['deleted'], 'deleted');
}

export interface RetentionInfo {
  readonly topicId: number;
  readonly maxAgeSecs: bigint;
  readonly maxBytes: bigint;
}

export function decodeRetentionReply(p: Uint8Array): RetentionInfo {
  const o = asObject(parseServerJson(p), 'retention reply');
  return {
    topicId: asNumber(o['topic_id'], 'topic_id'),
    maxAgeSecs: asU64(o['max_age_secs'], 'max_age_secs'),
    maxBytes: asU64(o['max_bytes'], 'max_bytes'),
  };
}
