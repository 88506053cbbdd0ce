/** `lnc ping [--count N]`: keepalive round trips on the control connection. */
import type { LanceClient } from '../../client/lance-client.js';

export async function pingCommand(client: LanceClient, count: number, print: (s: string) => void): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const ms = await client.ping();
    samples.push(ms);
    print(`pong from ${client.lance.options.servers[0] ?? '?'}: ${ms.toFixed(3)} ms`);
  }
  samples.sort((a, b) => a - b);
  const p50 = samples[Math.floor(samples.length / 2)] ?? 0;
  print(`${count} pings, p50 ${p50.toFixed(3)} ms, max ${(samples[samples.length - 1] ?? 0).toFixed(3)} ms`);
}
