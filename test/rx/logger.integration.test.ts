/** Issue 16 bullet 1: the logger hook — connection events and failed batches, never the token. */
import { firstValueFrom, filter } from 'rxjs';
import {
  Lance,
  MemoryOffsetStore,
  ProducerConfig,
  Producer,
  createTopic$,
  type LanceOptions,
  type Logger,
} from '../../src/index';
import { LanceServer } from '../../src/testing';

type Line = { level: string; message: string; fields: Record<string, unknown> | undefined };

function capture(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, message, fields });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

const TOKEN = 'secret-token-7f3a';
const fast: LanceOptions['reconnect'] = { baseMs: 10, maxMs: 20 };

describe('the logger hook', () => {
  jest.setTimeout(20_000);

  it('logs connect, the lost connection and the reconnect with structured fields, and never the token', async () => {
    const server = await LanceServer.start({ groupCommitMs: 0, authTokens: [TOKEN] });
    const { logger, lines } = capture();
    const lance = new Lance({ servers: [server.address], token: TOKEN, logger, reconnect: fast });
    try {
      await lance.ping();
      expect(lines).toContainEqual({
        level: 'info',
        message: 'lnc-client: connected',
        fields: { role: 'control', server: server.address, epoch: 1 },
      });
      await server.stop();
      await firstValueFrom(lance.state$().pipe(filter((s) => s.type === 'reconnecting')));
      const warn = lines.find((l) => l.level === 'warn')!;
      expect(warn.message).toBe('lnc-client: connection failed, reconnecting');
      expect(warn.fields).toMatchObject({ role: 'control', attempt: 1, errorCode: 'CONNECTION' });
      expect(JSON.stringify(lines)).not.toContain(TOKEN);
    } finally {
      await lance.close();
      await server.stop().catch(() => undefined);
    }
  });

  it('a wrong token is logged as a fatal close with its code, without the token', async () => {
    const server = await LanceServer.start({ groupCommitMs: 0, authTokens: [TOKEN] });
    const { logger, lines } = capture();
    const lance = new Lance({ servers: [server.address], token: 'wrong-token-91c2', logger });
    try {
      await expect(lance.ping()).rejects.toMatchObject({ code: 'AUTHENTICATION' });
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'error',
          message: 'lnc-client: connection closed by a fatal error',
          fields: expect.objectContaining({ errorCode: 'AUTHENTICATION' }),
        }),
      );
      expect(JSON.stringify(lines)).not.toContain('wrong-token-91c2');
    } finally {
      await lance.close();
      await server.stop();
    }
  });

  it('ProducerConfig.withLogger: a failed batch is a warning with topic, records and error code', async () => {
    const server = await LanceServer.start({ groupCommitMs: 0 });
    const { logger, lines } = capture();
    const producer = await Producer.connect(server.address, new ProducerConfig().withLogger(logger));
    try {
      await expect(producer.send(4242, 'to a topic that does not exist')).rejects.toMatchObject({
        code: 'TOPIC_NOT_FOUND',
      });
      expect(lines).toContainEqual({
        level: 'warn',
        message: 'lnc-client: batch failed',
        fields: { topicId: 4242, records: 1, attempts: 1, errorCode: 'TOPIC_NOT_FOUND', error: expect.any(String) },
      });
      expect(lines.some((l) => l.message === 'lnc-client: connected' && l.fields?.['role'] !== 'control')).toBe(true);
      // The logger is carried like the token: not printed with the config.
      expect(JSON.stringify(new ProducerConfig().withLogger(logger))).not.toContain('logger');
    } finally {
      await producer.close();
      await server.stop();
    }
  });

  it('Lance.producer() logs through the core logger', async () => {
    const server = await LanceServer.start({ groupCommitMs: 0 });
    const { logger, lines } = capture();
    const lance = new Lance({ servers: [server.address], logger });
    try {
      const topic = await firstValueFrom(createTopic$(lance, 'logged'));
      const p = lance.producer(topic.id + 1000);
      p.next('lost');
      await expect(p.flush()).rejects.toMatchObject({ code: 'TOPIC_NOT_FOUND' });
      expect(lines.some((l) => l.message === 'lnc-client: batch failed')).toBe(true);
    } finally {
      await lance.close();
      await server.stop();
    }
  });

  it('logs a NOT_LEADER retry (info), a CatchingUp wait (warn) and commits (debug)', async () => {
    const server = await LanceServer.start({ groupCommitMs: 0 });
    const { logger, lines } = capture();
    const lance = new Lance({ servers: [server.address], logger, reconnect: fast });
    try {
      const topic = await firstValueFrom(createTopic$(lance, 'logged-consume'));
      server.faults.notLeader(null, { admin: 1 });
      await firstValueFrom(createTopic$(lance, 'logged-after-not-leader'));
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'info',
          message: 'lnc-client: cluster in transition, retrying the request',
          fields: expect.objectContaining({ attempt: 1, errorCode: 'NOT_LEADER' }),
        }),
      );

      const producer = lance.producer(topic.id);
      producer.next('a record');
      await producer.flush();
      server.faults.catchingUp(1, { serverOffset: 0n });
      const store = new MemoryOffsetStore();
      // Not take(1): a batch during whose delivery the stream ends is (rightly) never committed.
      let got!: () => void;
      const delivered = new Promise<void>((r) => (got = r));
      const sub = lance
        .topic$(topic.id, undefined, {
          offsetStore: store,
          consumerName: 'c',
          catchingUpDelayMs: 10,
          autoCommitIntervalMs: 1,
        })
        .subscribe(() => got());
      await delivered;
      await new Promise((r) => setTimeout(r, 20));
      sub.unsubscribe();
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          message: 'lnc-client: server is behind the requested offset (CatchingUp), waiting',
          fields: expect.objectContaining({ topicId: topic.id, stalls: 1 }),
        }),
      );
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'debug',
          message: 'lnc-client: committing offset',
          fields: expect.objectContaining({ topicId: topic.id }),
        }),
      );
      expect(() => JSON.stringify(lines.map((l) => l.fields))).not.toThrow(); // no bigint in fields
      producer.complete();
    } finally {
      await lance.close();
      await server.stop();
    }
  });
});
