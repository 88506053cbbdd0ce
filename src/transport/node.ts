/** The real transport: node:net or node:tls. */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ConnectionError, TimeoutError } from '../wire/errors.js';
import { socketError } from './errors.js';
import type { Connector, Transport, TransportHandlers, TransportTarget } from './types.js';

export const connectNode: Connector = (target: TransportTarget, handlers: TransportHandlers): Transport => {
  const address = `${target.host}:${target.port}`;
  const secure = target.tls;
  const socket: net.Socket = secure
    ? tls.connect({
        host: target.host,
        port: target.port,
        ca: secure.ca as tls.ConnectionOptions['ca'],
        cert: secure.cert,
        key: secure.key,
        // SNI must not be an IP address (RFC 6066); node then checks the IP against the cert's SANs.
        servername: secure.servername ?? (net.isIP(target.host) ? undefined : target.host),
        rejectUnauthorized: secure.rejectUnauthorized !== false,
      })
    : net.connect({ host: target.host, port: target.port });
  socket.setNoDelay(true);

  let done = false;
  let open = false;
  const finish = (error?: Error): void => {
    if (done) return;
    done = true;
    if (timer !== undefined) clearTimeout(timer);
    socket.destroy();
    handlers.closed(error);
  };
  // The connect deadline is the transport's own: the rx layer's timers only see an opened stream.
  const timer =
    target.connectTimeoutMs !== undefined && target.connectTimeoutMs > 0
      ? setTimeout(
          () => finish(new TimeoutError(`connecting to ${address} timed out after ${target.connectTimeoutMs} ms`)),
          target.connectTimeoutMs,
        )
      : undefined;

  socket.once(secure ? 'secureConnect' : 'connect', () => {
    if (done) return;
    if (timer !== undefined) clearTimeout(timer);
    open = true;
    handlers.opened();
  });
  socket.on('data', (chunk: Buffer) => {
    if (!done) handlers.data(chunk);
  });
  socket.on('drain', () => {
    if (!done) handlers.drained();
  });
  socket.on('error', (err) => {
    // A refused certificate: Node records why on the socket, then destroys it with the error.
    const refused = secure && !open ? (socket as tls.TLSSocket).authorizationError : undefined;
    finish(socketError(err, address, refused === undefined || refused === null ? undefined : String(refused)));
  });
  socket.on('close', () =>
    finish(
      new ConnectionError(
        open ? `connection to ${address} closed by the server` : `connection to ${address} closed before it opened`,
      ),
    ),
  );

  return {
    write: (bytes) => (done ? false : socket.write(bytes)),
    close: () => finish(),
  };
};
