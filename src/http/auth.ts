// API-key authentication: `Authorization: Bearer <key>`, each key with a scope (read < write < admin).
// Keys are compared as SHA-256 digests with timingSafeEqual against every configured key, so neither a
// key's length nor its first differing byte shows in the response time.
// Access is decided on the route the router MATCHED, never on the URL text: the router decodes
// percent-encodings (/%761/tables is /v1/tables to it), so a prefix test on the raw URL let every
// other spelling of a /v1 route through. Deny by default: a route is open only when it declares
// `config: { public: true }` (the operations endpoints and the browser pages); every other route, and
// a request that matches no route at all, needs a key when keys are configured — so an odd spelling
// gets the same 401 as the plain one, never a different answer.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Scope } from '../config.js';
import { forbidden, unauthorized } from './errors.js';

const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scope a route needs; defaults from the method (see requiredScope). */
    scope?: Scope;
    /** Open without a key and never rate-limited (operations endpoints, browser pages). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** The scope of the key that authenticated this request (null when auth is off). */
    scope: Scope | null;
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Whether the request matched a route that declared itself open (`config.public`). A request that
 *  matched no route is not public. */
export function isPublic(req: FastifyRequest): boolean {
  return req.routeOptions.config?.public === true;
}

/** The scope a request needs: the route's own `config.scope`, else read for GET/HEAD and the query
 *  endpoint, write for other POSTs (create, append), admin for PUT (replace) and DELETE. A request
 *  that matched no route needs what its method would need, so a wrong-scope key gets the same 403
 *  whether or not its spelling reaches a route. */
export function requiredScope(req: FastifyRequest): Scope {
  const declared = req.routeOptions.config?.scope;
  if (declared) return declared;
  const m = req.method;
  if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS') return 'read';
  if (m === 'POST' && (req.routeOptions.url ?? '').endsWith('/query')) return 'read';
  if (m === 'POST') return 'write';
  return 'admin';
}

export class KeyRing {
  private readonly entries: { hash: Buffer; scope: Scope }[];
  constructor(keys: Map<string, Scope>) {
    this.entries = [...keys].map(([k, scope]) => ({ hash: digest(k), scope }));
  }
  /** The key's scope, or null. Compares against every key whatever matches. */
  lookup(key: string): Scope | null {
    const h = digest(key);
    let found: Scope | null = null;
    for (const e of this.entries) if (timingSafeEqual(h, e.hash)) found = e.scope;
    return found;
  }
}

/** The bearer token of an Authorization header, or null when absent or another scheme. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

/** Installs the check as an onRequest hook (runs before body parsing, so an unauthorized upload is refused unread). */
export function installAuth(app: FastifyInstance, keys: Map<string, Scope> | null): void {
  app.decorateRequest('scope', null);
  if (keys === null) return;
  const ring = new KeyRing(keys);
  app.addHook('onRequest', async (req) => {
    if (isPublic(req)) return;
    const header = req.headers.authorization;
    const token = bearerToken(header);
    if (token === null) {
      throw unauthorized(
        header === undefined
          ? 'this endpoint needs an API key: send "Authorization: Bearer <key>"'
          : 'the Authorization header is not "Bearer <key>"',
      );
    }
    const scope = ring.lookup(token);
    if (scope === null) throw unauthorized('the API key is not valid');
    const need = requiredScope(req);
    if (RANK[scope] < RANK[need]) {
      throw forbidden(`this request needs a key with the ${need} scope; the key given has the ${scope} scope`);
    }
    req.scope = scope;
  });
}
