// Optional per-client rate limiting (NCF_RATE_LIMIT="600/min"): a fixed window per API key, or per
// client address when the server runs without keys, answered with 429 problem+json and Retry-After.
// It runs after authentication, so only valid keys get a counter (a stream of made-up keys is refused
// by auth without filling the store). What is limited is decided like authentication, on the matched
// route and never on the URL text: every request except those to routes declaring
// `config: { public: true }` (operations endpoints, browser pages: probes and scrapes must not starve),
// requests matching no route included — so no spelling of a /v1 path escapes its counter.
// The limiter is one global onRequest hook (not the plugin's per-route hooks, which miss unmatched
// requests).
// Counters live in this process: with several replicas each enforces the limit on its own share.

import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken, isPublic } from './auth.js';
import type { Config } from '../config.js';
import { tooManyRequests } from './errors.js';

/** Counters kept at most (least recently used go first); each is a few dozen bytes. */
const STORE_ENTRIES = 10_000;

/** The counter's key: a digest of the API key (never the key itself), or the client address. */
export function rateLimitKey(req: FastifyRequest, keyed: boolean): string {
  const token = keyed ? bearerToken(req.headers.authorization) : null;
  return token === null ? `ip:${req.ip}` : `key:${createHash('sha256').update(token).digest('base64url').slice(0, 22)}`;
}

export async function installRateLimit(app: FastifyInstance, config: Pick<Config, 'rateLimit' | 'apiKeys'>): Promise<void> {
  const limit = config.rateLimit;
  if (limit === null) return;
  const keyed = config.apiKeys !== null;
  await app.register(rateLimit, {
    global: false,
    max: limit.max,
    timeWindow: limit.windowMs,
    cache: STORE_ENTRIES,
    keyGenerator: (req) => rateLimitKey(req, keyed),
    allowList: (req) => isPublic(req),
    errorResponseBuilder: (_req, ctx) =>
      tooManyRequests(
        `more than ${ctx.max} requests in ${limit.windowMs / 1000} s from this ${keyed ? 'API key' : 'client address'} (NCF_RATE_LIMIT); retry after ${Math.max(1, Math.ceil(ctx.ttl / 1000))} s`,
        Math.max(1, Math.ceil(ctx.ttl / 1000)),
      ),
  });
  app.addHook('onRequest', app.rateLimit());
}
