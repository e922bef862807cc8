// One HTTP exchange with the service through the global fetch (Node 20+, browsers): the URL from the
// base and a path, the Authorization header, a streamed body when there is one, and the client's
// errors in place of fetch's (see errors.ts). Responses with an error status never reach callers.

import { isAbort, NCFClientError, NCFNetworkError, requestError } from './errors.js';

/** What fetch takes as a request body (the DOM's BodyInit, which Node's types do not name globally). */
export type RequestBody = NonNullable<RequestInit['body']>;

export interface HttpOptions {
  baseUrl: string;
  apiKey?: string;
  /** Headers sent with every request (e.g. for a proxy). */
  headers?: Record<string, string>;
  fetch: typeof fetch;
}

export interface Exchange {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path with the query string, e.g. /v1/tables/flights/rows?limit=10. */
  path: string;
  headers?: Record<string, string>;
  body?: RequestBody | null;
  signal?: AbortSignal | undefined;
}

/** `name` as a path segment. The server checks names; encoding keeps a bad one from changing the path. */
export function segment(name: string): string {
  return encodeURIComponent(name);
}

export async function send(http: HttpOptions, x: Exchange): Promise<Response> {
  const request = `${x.method} ${x.path.split('?', 1)[0]}`;
  const headers: Record<string, string> = { ...http.headers, ...x.headers };
  if (http.apiKey !== undefined) headers.authorization = `Bearer ${http.apiKey}`;
  const init: RequestInit & { duplex?: 'half' } = { method: x.method, headers, signal: x.signal ?? null };
  if (x.body !== undefined && x.body !== null) {
    init.body = x.body;
    // A stream body must say so (fetch's rule); the request then goes out as it is read.
    if (typeof ReadableStream !== 'undefined' && x.body instanceof ReadableStream) init.duplex = 'half';
  }
  let res: Response;
  try {
    res = await http.fetch(joinUrl(http.baseUrl, x.path), init);
  } catch (e) {
    if (isAbort(e, x.signal)) throw e;
    throw new NCFNetworkError(request, e);
  }
  if (!res.ok) throw await requestError(request, res);
  return res;
}

/** Parses a JSON answer, turning a broken-off body into a network error. */
export async function json<T>(res: Response, request: string, signal?: AbortSignal): Promise<T> {
  try {
    return (await res.json()) as T;
  } catch (e) {
    if (isAbort(e, signal)) throw e;
    if (e instanceof SyntaxError) throw new NCFClientError(`${request}: the answer is not valid JSON (${e.message})`, { cause: e });
    throw new NCFNetworkError(request, e);
  }
}

function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
