// Connection timeouts: how long a client may take over each phase of a request, so that slow or idle
// clients cannot hold sockets (and the memory behind them) for ever.
//   - before and while sending headers: NCF_HEADERS_TIMEOUT (slowloris), checked every second;
//   - the whole request, body included: NCF_REQUEST_TIMEOUT (a trickled upload);
//   - between requests on a keep-alive connection: NCF_KEEP_ALIVE_TIMEOUT;
//   - no traffic either way: NCF_IDLE_TIMEOUT, which also drops a client that stops reading an answer
//     (a stalled Arrow stream; the scan behind it already stopped at the socket's backpressure).
// A query answer as a whole is bounded by NCF_QUERY_TIMEOUT_MS (respond.ts). The idle timeout leaves
// a connection alone while the server itself is working on the answer (an upload's ingest after its
// body arrived, a compaction): that silence is ours, not the client's.

import type { Socket } from 'node:net';
import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

/** How often Node checks headersTimeout and requestTimeout (its default, 30 s, would let a
 *  slowloris connection live up to 30 s past the headers timeout). */
const CHECK_INTERVAL_MS = 1000;

type Timeouts = Pick<Config, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'idleTimeoutMs'>;

/** The Fastify (and Node http.Server) options that set the timeouts. */
export function serverTimeoutOptions(c: Timeouts): {
  connectionTimeout: number;
  keepAliveTimeout: number;
  requestTimeout: number;
  http: ServerOptions;
} {
  return {
    connectionTimeout: c.idleTimeoutMs,
    keepAliveTimeout: c.keepAliveTimeoutMs,
    requestTimeout: c.requestTimeoutMs,
    http: {
      headersTimeout: c.headersTimeoutMs,
      requestTimeout: c.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(CHECK_INTERVAL_MS, c.headersTimeoutMs),
    },
  };
}

/** Decides what an idle timeout does (with a 'timeout' listener Node no longer destroys the socket
 *  itself): close it, unless the request arrived whole and its answer has not started yet. A writer
 *  stalled by its client is cut one to two idle periods after the stall (Node re-arms the timer once
 *  when the socket's write queue moved since the last write). */
export function installIdleTimeout(app: FastifyInstance, idleMs: number): void {
  if (idleMs <= 0) return;
  const inFlight = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();
  app.addHook('onRequest', async (req, reply) => {
    inFlight.set(req.raw.socket, { req: req.raw, res: reply.raw });
  });
  app.addHook('onResponse', async (req) => {
    if (inFlight.get(req.raw.socket)?.req === req.raw) inFlight.delete(req.raw.socket);
  });
  app.server.on('timeout', (socket: Socket) => {
    const cur = inFlight.get(socket);
    if (cur?.req.complete && !cur.res.headersSent && !cur.res.destroyed) return;
    socket.destroy();
  });
}
