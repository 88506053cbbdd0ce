/**
 * A scripted LWP peer on top of the fake transport: it decodes what the client writes and answers
 * through `reply`. Keepalives are echoed unless `echoKeepalive` is false. With a TestScheduler the
 * answers arrive in virtual time (`defer`).
 */
import type { SchedulerLike } from 'rxjs';
import { FakeNetwork, type FakeNetworkOptions, type FakeSocket } from '../../src/transport/fake';
import { FrameDecoder } from '../../src/wire/decoder';
import { encodeControl, encodeKeepalive, frameKind, commandOf } from '../../src/wire/control';
import { Command } from '../../src/wire/constants';
import type { Frame } from '../../src/wire/frame';

export type Reply = Uint8Array | readonly Uint8Array[] | undefined;

export interface ScriptOptions extends Omit<FakeNetworkOptions, 'onWrite' | 'defer'> {
  readonly scheduler?: SchedulerLike;
  /** Answer to a non-keepalive frame; undefined = stay silent. */
  readonly reply?: (frame: Frame, socket: FakeSocket) => Reply;
  readonly replyDelayMs?: number;
  readonly echoKeepalive?: boolean | ((socket: FakeSocket) => boolean);
}

export interface Scripted {
  readonly network: FakeNetwork;
  /** Frames received by the fake server, per socket index. */
  readonly received: Frame[][];
}

export function scriptedNetwork(opts: ScriptOptions = {}): Scripted {
  const decoders = new Map<FakeSocket, FrameDecoder>();
  const received: Frame[][] = [];
  const defer = opts.scheduler
    ? (fn: () => void, ms: number) => void opts.scheduler!.schedule(fn, ms)
    : (fn: () => void, ms: number) => void setTimeout(fn, ms);
  const network: FakeNetwork = new FakeNetwork({
    ...opts,
    defer,
    onWrite: (socket, bytes) => {
      let d = decoders.get(socket);
      if (!d) decoders.set(socket, (d = new FrameDecoder()));
      const idx = network.sockets.indexOf(socket);
      for (const f of d.push(bytes)) {
        (received[idx] ??= []).push(f);
        let answer: Reply;
        if (frameKind(f) === 'keepalive') {
          const echo =
            typeof opts.echoKeepalive === 'function' ? opts.echoKeepalive(socket) : (opts.echoKeepalive ?? true);
          answer = echo ? encodeKeepalive() : undefined;
        } else {
          answer = opts.reply?.(f, socket);
        }
        if (answer === undefined) continue;
        const list = answer instanceof Uint8Array ? [answer] : answer;
        defer(() => list.forEach((b) => socket.receive(b)), opts.replyDelayMs ?? 0);
      }
    },
  });
  return { network, received };
}

export const errorReply = (text: string): Uint8Array =>
  encodeControl(Command.ERROR_RESPONSE, new TextEncoder().encode(text));
export const jsonReply = (command: number, json: string): Uint8Array =>
  encodeControl(command, new TextEncoder().encode(json));
export const topicJson = (id: number, name: string): string =>
  `{"created_at":1706918400,"id":${id},"name":"${name}","topic_epoch":1}`;
export { commandOf, Command };
