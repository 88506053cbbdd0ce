/** Shared bits of the integration tests against the embedded LanceServer. */
import { filter, firstValueFrom } from 'rxjs';
import type { Lance } from '../../src/rx/lance';
import type { Session } from '../../src/rx/session';
import { Flags } from '../../src/wire/constants';
import { frameKind } from '../../src/wire/control';
import { encodeFrame } from '../../src/wire/frame';
import { TlvRecord, encodeRecords } from '../../src/wire/tlv';
import type { ConnectionState } from '../../src/rx/state';
import { LanceClient } from '../../src/client/lance-client';
import { ClientConfig } from '../../src/client/config';
import { LanceServer, type LanceServerOptions } from '../../src/testing';

/** Reconnect backoff for tests: fast, so a dropped connection costs milliseconds. */
export const fastReconnect = { baseMs: 10, maxMs: 50 };

/**
 * A LanceServer (acks at once unless `options` say otherwise) and an admin client on it, both
 * pushed onto `cleanup`; `topic(name)` creates a uniquely named topic and resolves with its id.
 */
export async function serverWithAdmin(cleanup: (() => Promise<unknown>)[], options: LanceServerOptions = {}) {
  const server = await LanceServer.start({ host: '127.0.0.1', port: 0, groupCommitMs: 0, ...options });
  cleanup.push(() => server.stop());
  const admin = await LanceClient.connect(ClientConfig.fromAddress(server.address).withReconnect(fastReconnect));
  cleanup.push(() => admin.close());
  const topic = async (name: string): Promise<number> => (await admin.createTopic(uniqueName(name))).id;
  return { server, admin, topic };
}

let nextBatch = 1n;

/** Ingests `values` as TLV records on `session` and resolves with the Ack's batch id. */
export async function ingest(session: Session, topicId: number, values: string[]): Promise<bigint> {
  const batchId = nextBatch++;
  const payload = encodeRecords(values.map((v) => TlvRecord.raw(new TextEncoder().encode(v))));
  const ack = firstValueFrom(session.frames$.pipe(filter((f) => frameKind(f) !== 'ack' || f.batchId === batchId)));
  session.send(encodeFrame({ flags: Flags.BATCH_MODE, batchId, topicId, recordCount: values.length, payload }));
  const f = await ack;
  if (frameKind(f) !== 'ack') throw new Error(`expected an ack, got ${new TextDecoder().decode(f.payload)}`);
  return f.batchId;
}

/** Resolves when `role`'s state satisfies `pred`. */
export function waitState(
  lance: Lance,
  pred: (s: ConnectionState) => boolean,
  role = 'control',
): Promise<ConnectionState> {
  return firstValueFrom(lance.state$(role).pipe(filter(pred)));
}

export const uniqueName = (prefix: string): string => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
