// A client that sends the request target exactly as given: no percent-decoding, no dot-segment
// removal, no case or slash normalisation (fetch and plain curl do some of these). Node's
// http.request writes `path` verbatim onto the request line (path-variants.test.ts checks that
// against a listening socket); raw bytes that http.request refuses go through rawExchange.

import http from 'node:http';
import net from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  text: string;
  json(): any;
}

export interface RawOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}

/** One request on its own connection, the path sent as given. */
export function rawRequest(base: string, method: string, path: string, opts: RawOptions = {}): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { connection: 'close', ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const r = http.request(
      { host: u.hostname, port: Number(u.port), method, path, headers, agent: false, timeout: opts.timeoutMs ?? 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers: h, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`${method} ${path}: no answer within ${opts.timeoutMs ?? 30_000} ms`)));
    r.on('error', reject);
    r.end(opts.body);
  });
}

/** Writes `bytes` on a new connection and collects everything the server sends until it closes. */
export function rawExchange(base: string, bytes: Buffer | string, timeoutMs = 30_000): Promise<Buffer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname);
    const got: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(
        new Error(
          `the server did not close the connection within ${timeoutMs} ms; got ${Buffer.concat(got).toString('latin1').slice(0, 200)}`,
        ),
      );
    }, timeoutMs);
    sock.on('data', (d: Buffer) => got.push(d));
    // A server that closes while we still write gives EPIPE/ECONNRESET: what it sent is the answer.
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(got));
    });
    sock.once('connect', () => sock.write(bytes));
  });
}

/** Splits a raw HTTP/1.1 response (Content-Length framed) into status, headers and body. */
export function parseRaw(raw: Buffer): RawResponse {
  const s = raw.toString('utf8');
  const end = s.indexOf('\r\n\r\n');
  const head = (end < 0 ? s : s.slice(0, end)).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const text = end < 0 ? '' : s.slice(end + 4);
  return { status, headers, text, json: () => JSON.parse(text) };
}
