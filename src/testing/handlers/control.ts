/**
 * Control frame dispatch (flags 0x40; the command is the low byte of batch_id, §1.5, §2.2).
 * Every control request gets exactly one reply, written inline (§6.2).
 *
 * Server-only codes sent by a client (0x11, 0x12, 0x23, 0x24, 0x80, 0x81, 0xFF) and unknown codes →
 * "Invalid client command"; 0x09 → "Authentication handled at connection level" (§2.2, §3.2).
 * Topic-admin commands and Fetch are the ones a cluster follower forwards to the leader (§2.4), so
 * the injected FORWARD_FAILED / NOT_LEADER faults apply to them before anything is parsed.
 */
import { Command } from '../../wire/index.js';
import { ReplyError } from '../errors.js';
import type { RequestKind } from '../fault-state.js';
import { errorFrame } from '../replies.js';
import { authenticate } from './auth.js';
import { commitOffset, subscribe, unsubscribe } from './consumers.js';
import type { ConnectionState, ControlHandler, HandlerContext } from './context.js';
import { fetch } from './fetch.js';
import {
  clusterStatus,
  createTopic,
  createTopicWithRetention,
  deleteTopic,
  getTopic,
  listTopics,
  setRetention,
} from './topics.js';

const HANDLERS = new Map<number, { handler: ControlHandler; forwarded?: RequestKind }>([
  [Command.CREATE_TOPIC, { handler: createTopic, forwarded: 'admin' }],
  [Command.DELETE_TOPIC, { handler: deleteTopic, forwarded: 'admin' }],
  [Command.LIST_TOPICS, { handler: listTopics }],
  [Command.GET_TOPIC, { handler: getTopic, forwarded: 'admin' }],
  [Command.SET_RETENTION, { handler: setRetention, forwarded: 'admin' }],
  [Command.CREATE_TOPIC_WITH_RETENTION, { handler: createTopicWithRetention, forwarded: 'admin' }],
  [Command.GET_CLUSTER_STATUS, { handler: clusterStatus }],
  [Command.AUTHENTICATE, { handler: authenticate }],
  [Command.FETCH, { handler: fetch, forwarded: 'fetches' }],
  [Command.SUBSCRIBE, { handler: subscribe }],
  [Command.UNSUBSCRIBE, { handler: unsubscribe }],
  [Command.COMMIT_OFFSET, { handler: commitOffset }],
]);

export function control(command: number, payload: Uint8Array, ctx: HandlerContext, conn: ConnectionState): Uint8Array {
  const entry = HANDLERS.get(command);
  if (entry === undefined) {
    return errorFrame(
      command === Command.AUTHENTICATE_RESPONSE
        ? 'Authentication handled at connection level'
        : 'Invalid client command',
    );
  }
  try {
    if (entry.forwarded !== undefined) {
      const faulted = ctx.faults.requestError(entry.forwarded);
      if (faulted !== undefined) return errorFrame(faulted);
    }
    return entry.handler(payload, ctx, conn);
  } catch (err) {
    if (err instanceof ReplyError) return errorFrame(err.message);
    // A disk error in a command is reported with the `LanceError::Io` text (§3.2 "I/O error: <e>").
    if (err instanceof Error && 'code' in err) return errorFrame(`I/O error: ${err.message}`);
    throw err;
  }
}
