/**
 * One connection attempt as a cold Observable: subscribe opens a socket to `address`, decodes its
 * bytes into frames, authenticates when a token is set (the first frame on the socket, §6.7), then
 * emits the `LiveSession` once and errors when it dies. Unsubscribing closes the socket.
 */
import { Observable } from 'rxjs';
import { Command } from '../wire/constants.js';
import { FrameDecoder } from '../wire/decoder.js';
import { ConnectionError, type LanceError } from '../wire/errors.js';
import { parseHostPort } from '../wire/classify.js';
import { encodeAuthenticate } from '../wire/payloads/auth.js';
import { checkAuthReply, redactError } from './auth-reply.js';
import type { Transport } from '../transport/types.js';
import { LiveSession } from './live-session.js';
import type { ResolvedOptions } from './options.js';

export interface OpenSessionInit {
  readonly address: string;
  readonly options: ResolvedOptions;
  /** Read at open time, so `authenticate()` applies to every later socket. */
  readonly token: () => string | undefined;
  /** Called once the socket is open: the session's epoch. */
  readonly nextEpoch: () => number;
  /** Why the session ends when its subscriber leaves (ClosedError after `Lance.close()`). */
  readonly teardownReason: () => LanceError;
}

export function openSession(init: OpenSessionInit): Observable<LiveSession> {
  const { address, options } = init;
  return new Observable<LiveSession>((subscriber) => {
    const target = parseHostPort(address);
    if (!target) return subscriber.error(new ConnectionError(`not a host:port address: ${address}`));
    const decoder = new FrameDecoder(
      options.maxPayloadLength === undefined ? {} : { maxPayloadLength: options.maxPayloadLength },
    );
    let session: LiveSession | undefined;

    const opened = (transport: Transport): void => {
      const s = new LiveSession({
        epoch: init.nextEpoch(),
        address,
        transport,
        scheduler: options.scheduler,
        requestTimeoutMs: options.requestTimeoutMs,
        keepaliveMs: options.keepaliveMs,
        onDead: (error) => subscriber.error(error),
        allowReplyPayload: (n) => decoder.allowPayload(n),
      });
      session = s;
      const token = init.token();
      if (token === undefined) return subscriber.next(s);
      s.request$(Command.AUTHENTICATE, encodeAuthenticate(token)).subscribe({
        next: (reply) => {
          try {
            checkAuthReply(reply, token, address);
          } catch (err) {
            return s.kill(err);
          }
          subscriber.next(s);
        },
        // An ErrorResponse ("Authentication required", "FORWARD_FAILED: ...") fails the request on a
        // live socket: end the session with it, or connect would wait forever. Authentication errors
        // stay fatal; retryable ones reconnect. If the session already died, onDead reported why.
        error: (err: unknown) => {
          if (!s.closed) s.kill(redactError(err, token));
        },
      });
    };

    const transport = options.connector(
      {
        host: target.host,
        port: target.port,
        connectTimeoutMs: options.connectTimeoutMs,
        ...(options.tls ? { tls: options.tls } : {}),
      },
      {
        opened: () => opened(transport),
        data: (chunk) => {
          if (!session) return;
          const { frames, error } = decoder.pushAll(chunk);
          for (const f of frames) {
            session.receive(f);
            if (session.closed) return;
          }
          // Bytes we cannot frame: the stream lost sync and the server is not speaking LWP. Fatal,
          // after the good frames before them (an ack there is a real ack).
          if (error) session.kill(error);
        },
        drained: () => session?.drained(),
        closed: (error) => {
          const e = (error as LanceError | undefined) ?? new ConnectionError(`connection to ${address} closed`);
          if (session) session.die(e);
          else subscriber.error(e);
        },
      },
    );
    return () => {
      if (session) session.die(init.teardownReason());
      else transport.close();
    };
  });
}
