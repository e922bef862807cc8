// Optional per-client rate limiting of /v1 (NCF_RATE_LIMIT="600/min"): a fixed window per API key, or
// per client address when the server runs without keys, answered with 429 problem+json and
// Retry-After. It runs after authentication, so only valid keys get a counter (a stream of made-up
// keys is refused by auth without filling the store). Operations endpoints (/healthz, /readyz,
// /metrics, /openapi.json, /docs) are never limited: probes and scrapes must not starve.
// Counters live in this process: with several replicas each enforces the limit on its own share.

import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken } from './auth.js';
import type { Config } from './config.js';
import { tooManyRequests } from './errors.js';

/** Counters kept at most (least recently used go first); each is a few dozen bytes. */
const STORE_ENTRIES = 10_000;

function isV1(url: string): boolean {
  const path = url.split('?', 1)[0]!;
  return path === '/v1' || path.startsWith('/v1/');
}

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
    global: true,
    max: limit.max,
    timeWindow: limit.windowMs,
    cache: STORE_ENTRIES,
    hook: 'onRequest',
    keyGenerator: (req) => rateLimitKey(req, keyed),
    allowList: (req) => !isV1(req.url),
    errorResponseBuilder: (_req, ctx) => tooManyRequests(
      `more than ${ctx.max} requests in ${limit.windowMs / 1000} s from this ${keyed ? 'API key' : 'client address'} (NCF_RATE_LIMIT); retry after ${Math.max(1, Math.ceil(ctx.ttl / 1000))} s`,
      Math.max(1, Math.ceil(ctx.ttl / 1000)),
    ),
  });
}
