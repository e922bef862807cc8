// Requests Node's HTTP parser refuses before Fastify sees them: a malformed request line or header
// line (400), headers over Node's size limit (431), chunk extensions over its limit (413), a request
// not received in full within NCF_HEADERS_TIMEOUT / NCF_REQUEST_TIMEOUT (408). No route runs, so the
// answer is written on the socket here — problem+json from the catalogue like every other refusal,
// then the connection is closed (the parser cannot find the next request in what follows).
// Logging: the parser's error carries `rawPacket`, the request bytes as received, Authorization
// header included; Fastify's default handler logged the whole error, so a key reached the log as a
// byte array. Only the error's code is logged here.

import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { badRequest, headersTooLarge, payloadTooLarge, requestTimeout, type HttpProblem } from './errors.js';

/** The problem for a parser error code (Node's and llhttp's `HPE_*`). */
export function clientErrorProblem(code: string | undefined): HttpProblem {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return requestTimeout(
        'the request was not received in full in time (NCF_HEADERS_TIMEOUT for the headers, NCF_REQUEST_TIMEOUT for the whole request)',
      );
    case 'HPE_HEADER_OVERFLOW':
      return headersTooLarge('the request headers are larger than this server accepts (16 KiB in all)');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return payloadTooLarge('the chunk extensions of the request body are larger than this server accepts');
    default:
      return badRequest(
        `the request is not valid HTTP/1.1 (${code ?? 'parse error'}): a malformed request line, header line or body framing`,
        { code: code ?? 'HPE_UNKNOWN' },
      );
  }
}

/** The whole HTTP response for a problem, as bytes for a raw socket. */
export function rawProblemResponse(p: HttpProblem): string {
  const body = JSON.stringify(p.body());
  const head = [
    `HTTP/1.1 ${p.status} ${STATUS_CODES[p.status] ?? 'Error'}`,
    'Content-Type: application/problem+json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    ...Object.entries(p.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${head.join('\r\n')}\r\n\r\n${body}`;
}

type ParserError = Error & { code?: string };
type HttpSocket = Socket & { _httpMessage?: { headersSent?: boolean } | null };

/** Fastify's `clientErrorHandler` (bound to the instance, as Fastify calls it). */
export function clientErrorHandler(this: FastifyInstance, err: ParserError, socket: HttpSocket): void {
  // A reset connection: nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) {
    socket.destroy();
    return;
  }
  // The code only: never `err` itself, whose rawPacket holds the request's bytes (its headers).
  this.log.debug({ code: err.code }, 'client error: request refused by the HTTP parser');
  // As Node does: answer only when no answer to a request on this socket has started.
  if (socket.writable && !socket._httpMessage?.headersSent) socket.write(rawProblemResponse(clientErrorProblem(err.code)));
  socket.destroy();
}
