/**
 * Issue 16 bullet 2: the diagnostics channels, subscribed by name as an APM would (no reference to
 * our channel objects), against the embedded server.
 */
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { firstValueFrom, filter } from 'rxjs';
import {
  DIAGNOSTICS_CHANNELS,
  Lance,
  deleteTopic$,
  listTopics$,
  type ConnectionDiagnostic,
  type RequestDiagnostic,
} from '../../src/index';
import { LanceServer } from '../../src/testing';

type Event = { event: string; context: RequestDiagnostic };

/** Records every event of a tracing channel, with a snapshot of the context at that moment. */
function recordTracing(name: string): { events: Event[]; stop: () => void } {
  const events: Event[] = [];
  const at = (event: string) => (m: unknown) => void events.push({ event, context: { ...(m as RequestDiagnostic) } });
  const handlers = {
    start: at('start'),
    end: at('end'),
    asyncStart: at('asyncStart'),
    asyncEnd: at('asyncEnd'),
    error: at('error'),
  };
  tracingChannel(name).subscribe(handlers);
  return { events, stop: () => tracingChannel(name).unsubscribe(handlers) };
}

describe('diagnostics channels', () => {
  jest.setTimeout(20_000);

  it('lnc-client:request traces each control request: start, end, then its outcome, with command and server', async () => {
    const server = await LanceServer.start({ groupCommitMs: 0 });
    const lance = new Lance({ servers: [server.address] });
    const rec = recordTracing(DIAGNOSTICS_CHANNELS.request);
    try {
      await firstValueFrom(listTopics$(lance));
      const listed = rec.events.filter((e) => e.context.command === 'LIST_TOPICS');
      expect(listed.map((e) => e.event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
      expect(listed[0]!.context).toEqual({ command: 'LIST_TOPICS', code: expect.any(Number), server: server.address });

      await expect(firstValueFrom(deleteTopic$(lance, 987_654))).rejects.toMatchObject({ code: 'TOPIC_NOT_FOUND' });
      const failed = rec.events.filter((e) => e.context.command === 'DELETE_TOPIC');
      expect(failed.map((e) => e.event)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
      expect(failed[2]!.context.error).toMatchObject({ code: 'TOPIC_NOT_FOUND' });
    } finally {
      rec.stop();
      await lance.close();
      await server.stop();
    }
  });

  it('lnc-client:connection publishes every state change of every role', async () => {
    const server = await LanceServer.start({ groupCommitMs: 0 });
    const seen: ConnectionDiagnostic[] = [];
    const onMessage = (m: unknown): void => void seen.push(m as ConnectionDiagnostic);
    subscribe(DIAGNOSTICS_CHANNELS.connection, onMessage);
    const lance = new Lance({ servers: [server.address], reconnect: { baseMs: 10, maxMs: 20 } });
    try {
      await lance.ping();
      await server.restart();
      await firstValueFrom(lance.state$().pipe(filter((s) => s.type === 'connected' && s.epoch === 2)));
      const control = seen.filter((m) => m.role === 'control').map((m) => m.state.type);
      expect(control.slice(0, 2)).toEqual(['connecting', 'connected']);
      expect(control).toContain('reconnecting');
      expect(control[control.length - 1]).toBe('connected');
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.connection, onMessage);
      await lance.close();
      await server.stop();
    }
  });

  it('publishes nothing once the subscriber left', async () => {
    const server = await LanceServer.start({ groupCommitMs: 0 });
    const lance = new Lance({ servers: [server.address] });
    const rec = recordTracing(DIAGNOSTICS_CHANNELS.request);
    rec.stop();
    try {
      await firstValueFrom(listTopics$(lance));
      expect(rec.events).toEqual([]);
    } finally {
      await lance.close();
      await server.stop();
    }
  });
});
