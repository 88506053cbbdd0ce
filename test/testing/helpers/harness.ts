/** Per-test server + raw clients, all closed in `cleanup()` (call it from afterEach). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LanceServer, type LanceServerOptions } from '../../../src/testing';
import { createTopic } from './frames';
import { RawClient } from './raw-client';

export class Harness {
  readonly servers: LanceServer[] = [];
  readonly clients: RawClient[] = [];
  readonly dirs: string[] = [];

  async start(options: LanceServerOptions = {}): Promise<LanceServer> {
    const server = await LanceServer.start({ groupCommitMs: 0, ...options });
    this.servers.push(server);
    return server;
  }

  async connect(
    server: LanceServer | number,
    options: Parameters<typeof RawClient.connect>[1] = {},
  ): Promise<RawClient> {
    const client = await RawClient.connect(typeof server === 'number' ? server : server.port, options);
    this.clients.push(client);
    return client;
  }

  /** A server, one raw client, and topic 't' (id 1) created on it. */
  async startWithTopic(options: LanceServerOptions = {}): Promise<{ server: LanceServer; c: RawClient }> {
    const server = await this.start(options);
    const c = await this.connect(server);
    c.send(createTopic('t'));
    await c.nextOne();
    return { server, c };
  }

  tempDir(): string {
    const d = mkdtempSync(join(tmpdir(), 'lnc-server-'));
    this.dirs.push(d);
    return d;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
    await Promise.all(this.servers.splice(0).map((s) => s.stop()));
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}
