// Content negotiation for query answers: ?format= wins, else the Accept header (RFC 9110 §12.5.1:
// media ranges with q-values, the most specific range deciding each offer's q), else JSON. The formats
// are the format table's (src/formats/table.ts); the Content-Encoding is content-coding.ts's.

import type { FastifyInstance } from 'fastify';
import { notAcceptable } from '../http/errors.js';
import { ANSWER_FORMATS, FORMATS_BY_NAME, MEDIA_TYPES, type TableFormat } from '../formats/table.js';

export type Format = TableFormat;
export { MEDIA_TYPES };
export { type ContentCoding, negotiateContentCoding } from './content-coding.js';

/** Content-Type header values (text formats say their charset). */
export const CONTENT_TYPES: Readonly<Record<Format, string>> = Object.fromEntries(
  ANSWER_FORMATS.map((f) => [f, FORMATS_BY_NAME[f].contentType]),
) as Record<Format, string>;

/** Server preference, used to break ties. */
const FORMATS: readonly Format[] = ANSWER_FORMATS;

function offered(): string {
  return FORMATS.map((f) => `${MEDIA_TYPES[f]} (format=${f})`).join(', ');
}

interface Range {
  type: string;
  subtype: string;
  q: number;
  index: number;
}

/** Parses an Accept-style header into ranges; malformed parts are ignored, as clients expect. */
function parseRanges(header: string): Range[] {
  const out: Range[] = [];
  header.split(',').forEach((part, index) => {
    const [media, ...params] = part.split(';').map((s) => s.trim());
    if (!media) return;
    const slash = media.indexOf('/');
    const type = (slash < 0 ? media : media.slice(0, slash)).toLowerCase();
    const subtype = (slash < 0 ? '*' : media.slice(slash + 1)).toLowerCase();
    let q = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([0-9.]+)$/i.exec(p);
      if (m) {
        q = Number(m[1]);
        if (!Number.isFinite(q) || q < 0) q = 0;
        if (q > 1) q = 1;
      }
    }
    out.push({ type, subtype, q, index });
  });
  return out;
}

/** The answer format for a request; throws 406 listing the offered formats when none fits. */
export function negotiateFormat(accept: string | undefined, format: string | null): Format {
  if (format !== null) {
    const f = format.trim().toLowerCase();
    if ((FORMATS as readonly string[]).includes(f)) return f as Format;
    throw notAcceptable(`format: ${JSON.stringify(format)} is not offered; use one of ${FORMATS.join(', ')}: ${offered()}`, {
      parameter: 'format',
      offered: FORMATS.map((x) => MEDIA_TYPES[x]),
    });
  }
  if (accept === undefined || accept.trim() === '') return 'json';
  const ranges = parseRanges(accept);
  if (ranges.length === 0) return 'json';
  let best: Format | null = null;
  let bestQ = 0,
    bestSpec = -1,
    bestIndex = Infinity;
  for (const f of FORMATS) {
    const [type, subtype] = MEDIA_TYPES[f].split('/') as [string, string];
    // The most specific matching range sets this format's q.
    let q = -1,
      spec = -1,
      index = Infinity;
    for (const r of ranges) {
      const s = r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' ? 0 : -1;
      if (s > spec || (s === spec && s >= 0 && r.q > q)) {
        spec = s;
        q = r.q;
        index = r.index;
      }
    }
    if (spec < 0 || q <= 0) continue;
    if (q > bestQ || (q === bestQ && (spec > bestSpec || (spec === bestSpec && index < bestIndex)))) {
      best = f;
      bestQ = q;
      bestSpec = spec;
      bestIndex = index;
    }
  }
  if (best === null) {
    throw notAcceptable(
      `Accept: none of ${JSON.stringify(accept.length > 200 ? `${accept.slice(0, 200)}…` : accept)} is offered; this endpoint answers ${offered()}`,
      { offered: FORMATS.map((x) => MEDIA_TYPES[x]) },
    );
  }
  return best;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The media types this route answers with (one representation each): a request whose Accept
     *  admits none of them is a 406 (checkAccept). Routes that negotiate among formats themselves
     *  (rows, query) or answer without a body leave it unset. */
    produces?: readonly string[];
  }
}

/** The q a request's Accept gives `mediaType` (the most specific matching range decides); 1 when
 *  Accept is missing or empty. */
function acceptQ(ranges: Range[], mediaType: string): number {
  const [type, subtype] = mediaType.split('/') as [string, string];
  let q = 0,
    spec = -1;
  for (const r of ranges) {
    const s = r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' ? 0 : -1;
    if (s > spec || (s === spec && s >= 0 && r.q > q)) {
      spec = s;
      q = r.q;
    }
  }
  return spec < 0 ? 0 : q;
}

/** 406 listing `offered` unless the Accept header admits one of them (RFC 9110 §12.5.1: media
 *  ranges with wildcards (all types, or type/any), q-values, q=0 refusing). */
export function checkAccept(accept: string | undefined, offered: readonly string[]): void {
  if (accept === undefined || accept.trim() === '') return;
  const ranges = parseRanges(accept);
  if (ranges.length === 0) return;
  if (offered.some((m) => acceptQ(ranges, m) > 0)) return;
  throw notAcceptable(
    `Accept: none of ${JSON.stringify(accept.length > 200 ? `${accept.slice(0, 200)}…` : accept)} is offered; this endpoint answers ${offered.join(', ')}`,
    { offered: [...offered] },
  );
}

/** Checks every request of a route that declares `config.produces` against its Accept header, after
 *  authentication (a client without a key learns nothing from a 406). */
export function installAcceptCheck(app: FastifyInstance): void {
  app.addHook('preHandler', async (req) => {
    const produces = req.routeOptions.config?.produces;
    if (produces !== undefined) checkAccept(req.headers.accept, produces);
  });
}

/** The one representation of JSON-only routes. */
export const JSON_ONLY: readonly string[] = ['application/json'];
