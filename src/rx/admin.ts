/**
 * Every admin and low-level request as a cold Observable over `Lance.request$` (the control socket):
 * validate arguments, encode, check the reply's type, decode. `LanceClient` only turns these into
 * Promises. Reply types per PROTOCOL.md §2.2–2.3.
 */
import { hexCode } from '../wire/bytes.js';
import { type Observable, defer, map } from 'rxjs';
import { Command } from '../wire/constants.js';
import { commandOf, frameKind } from '../wire/control.js';
import { InvalidArgumentError, InvalidFrameError, ServerCatchingUpError } from '../wire/errors.js';
import type { Frame } from '../wire/frame.js';
import { type RetentionOptions, retentionValues, validateTopicName } from '../wire/rules.js';
import { type ClusterStatus, decodeClusterStatus } from '../wire/payloads/cluster-status.js';
import { type FetchResponse, decodeCatchingUp, decodeFetchResponse, encodeFetch } from '../wire/payloads/fetch.js';
import {
  type CommitAck,
  type SubscribeAck,
  decodeCommitAck,
  decodeSubscribeAck,
  encodeCommitOffset,
  encodeSubscribe,
  encodeUnsubscribe,
} from '../wire/payloads/subscription.js';
import {
  encodeCreateTopic,
  encodeCreateTopicWithRetention,
  encodeSetRetention,
  encodeTopicId,
} from '../wire/payloads/topic.js';
import {
  type RetentionInfo,
  type TopicInfo,
  decodeDeleted,
  decodeRetentionReply,
  decodeTopicInfo,
  decodeTopicList,
} from '../wire/payloads/topic-response.js';
import type { CallOptions, Lance } from './lance.js';

/** What the admin calls need from the core. */
export type Requester = Pick<Lance, 'request$'>;

function expect(frame: Frame, command: number, what: string): Frame {
  if (frameKind(frame) !== 'control' || commandOf(frame) !== command) {
    throw new InvalidFrameError(
      `expected ${what} (${hexCode(command)}), got a ${frameKind(frame)} frame with code ${hexCode(commandOf(frame))}`,
    );
  }
  return frame;
}

function u32(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff)
    throw new InvalidArgumentError(`${name} must be a u32, got ${v}`);
  return v;
}

function u64(v: bigint, name: string): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > 0xffff_ffff_ffff_ffffn)
    throw new InvalidArgumentError(`${name} must be a u64 bigint, got ${String(v)}`);
  return v;
}

/** Runs `build` (argument checks and encoding) at subscribe time, so a bad argument is an error notification. */
const call = <T>(
  lance: Requester,
  o: CallOptions | undefined,
  build: () => [number, Uint8Array | undefined],
  decode: (f: Frame) => T,
): Observable<T> =>
  defer(() => {
    const [command, payload] = build();
    return lance.request$(command, payload, o);
  }).pipe(map(decode));

const topicReply = (f: Frame): TopicInfo => decodeTopicInfo(expect(f, Command.TOPIC_RESPONSE, 'TopicResponse').payload);

export const createTopic$ = (lance: Requester, name: string, o?: CallOptions): Observable<TopicInfo> =>
  call(lance, o, () => [Command.CREATE_TOPIC, encodeCreateTopic(validateTopicName(name))], topicReply);

/** Omitted limits mean "no limit"; an explicit 0 is refused (to the server 0 deletes everything, §2.5). */
export const createTopicWithRetention$ = (
  lance: Requester,
  name: string,
  retention: RetentionOptions,
  o?: CallOptions,
): Observable<TopicInfo> =>
  call(
    lance,
    o,
    () => [
      Command.CREATE_TOPIC_WITH_RETENTION,
      encodeCreateTopicWithRetention(validateTopicName(name), retentionValues(retention)),
    ],
    topicReply,
  );

export const listTopics$ = (lance: Requester, o?: CallOptions): Observable<TopicInfo[]> =>
  call(
    lance,
    o,
    () => [Command.LIST_TOPICS, undefined],
    (f) => decodeTopicList(expect(f, Command.TOPIC_RESPONSE, 'TopicResponse').payload),
  );

export const getTopic$ = (lance: Requester, topicId: number, o?: CallOptions): Observable<TopicInfo> =>
  call(lance, o, () => [Command.GET_TOPIC, encodeTopicId(u32(topicId, 'topicId'))], topicReply);

/** Emits the deleted topic's id. */
export const deleteTopic$ = (lance: Requester, topicId: number, o?: CallOptions): Observable<number> =>
  call(
    lance,
    o,
    () => [Command.DELETE_TOPIC, encodeTopicId(u32(topicId, 'topicId'))],
    (f) => decodeDeleted(expect(f, Command.TOPIC_RESPONSE, 'TopicResponse').payload),
  );

export const setRetention$ = (
  lance: Requester,
  topicId: number,
  retention: RetentionOptions,
  o?: CallOptions,
): Observable<RetentionInfo> =>
  call(
    lance,
    o,
    () => [
      Command.SET_RETENTION,
      encodeSetRetention({ topicId: u32(topicId, 'topicId'), ...retentionValues(retention) }),
    ],
    (f) => decodeRetentionReply(expect(f, Command.TOPIC_RESPONSE, 'TopicResponse').payload),
  );

export const getClusterStatus$ = (lance: Requester, o?: CallOptions): Observable<ClusterStatus> =>
  call(
    lance,
    o,
    () => [Command.GET_CLUSTER_STATUS, undefined],
    (f) => decodeClusterStatus(expect(f, Command.CLUSTER_STATUS_RESPONSE, 'ClusterStatusResponse').payload),
  );

/** One Fetch. A CatchingUp reply (offset past the end) errors with `ServerCatchingUpError`. */
export const fetch$ = (
  lance: Requester,
  topicId: number,
  offset: bigint,
  maxBytes: number,
  o?: CallOptions,
): Observable<FetchResponse> =>
  call(
    lance,
    o,
    () => [
      Command.FETCH,
      encodeFetch({
        topicId: u32(topicId, 'topicId'),
        offset: u64(offset, 'offset'),
        maxBytes: u32(maxBytes, 'maxBytes'),
      }),
    ],
    (f) => {
      if (frameKind(f) === 'control' && commandOf(f) === Command.CATCHING_UP) {
        const serverOffset = decodeCatchingUp(f.payload);
        throw new ServerCatchingUpError(
          `offset ${offset} is past the server's end of topic ${topicId} (${serverOffset})`,
          serverOffset,
        );
      }
      return decodeFetchResponse(expect(f, Command.FETCH_RESPONSE, 'FetchResponse').payload);
    },
  );

export const subscribe$ = (
  lance: Requester,
  topicId: number,
  startOffset: bigint,
  maxBatchBytes: number,
  consumerId: bigint,
  o?: CallOptions,
): Observable<SubscribeAck> =>
  call(
    lance,
    o,
    () => [
      Command.SUBSCRIBE,
      encodeSubscribe({
        topicId: u32(topicId, 'topicId'),
        startOffset: u64(startOffset, 'startOffset'),
        maxBatchBytes: u32(maxBatchBytes, 'maxBatchBytes'),
        consumerId: u64(consumerId, 'consumerId'),
      }),
    ],
    (f) => decodeSubscribeAck(expect(f, Command.SUBSCRIBE_ACK, 'SubscribeAck').payload),
  );

/** The reply is an Ack frame whose batch id is the consumer id (§2.3.14). */
export const unsubscribe$ = (
  lance: Requester,
  topicId: number,
  consumerId: bigint,
  o?: CallOptions,
): Observable<void> =>
  call(
    lance,
    o,
    () => [
      Command.UNSUBSCRIBE,
      encodeUnsubscribe({ topicId: u32(topicId, 'topicId'), consumerId: u64(consumerId, 'consumerId') }),
    ],
    (f) => {
      if (frameKind(f) !== 'ack' || f.batchId !== consumerId) {
        throw new InvalidFrameError(
          `expected an Ack for consumer ${consumerId}, got a ${frameKind(f)} frame (batch id ${f.batchId})`,
        );
      }
    },
  );

export const commitOffset$ = (
  lance: Requester,
  topicId: number,
  consumerId: bigint,
  offset: bigint,
  o?: CallOptions,
): Observable<CommitAck> =>
  call(
    lance,
    o,
    () => [
      Command.COMMIT_OFFSET,
      encodeCommitOffset({
        topicId: u32(topicId, 'topicId'),
        consumerId: u64(consumerId, 'consumerId'),
        offset: u64(offset, 'offset'),
      }),
    ],
    (f) => decodeCommitAck(expect(f, Command.COMMIT_ACK, 'CommitAck').payload),
  );
