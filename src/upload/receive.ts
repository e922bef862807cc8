// Receives an upload: a multipart/form-data body with a part named `file`, or a raw body, either of
// them possibly compressed (Content-Encoding, decode.ts). Decides the format (?format= →
// Content-Type → file name extension → 415) before reading the data, reads the optional schema
// override (?schema= or a multipart field `schema`, JSON), and spools the bytes to a temp file (see
// spool.ts) that the caller must delete. A malformed multipart body (no boundary, a boundary the
// body does not use, a body cut before its closing boundary) is a 400 naming the boundary.

import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { unlink } from 'node:fs/promises';
import type { FastifyRequest } from 'fastify';
import type { Multipart } from '@fastify/multipart';
import { badRequest, HttpProblem, payloadTooLarge, unsupportedMediaType } from '../http/errors.js';
import { NCFError } from '../format/errors.js';
import { detectFormat, FORMATS, parseSchemaOverride, type Format, type SchemaOverride } from '../ingest/index.js';
import { unavailableCode } from '../../storage/guard.js';
import { bodyDecoder } from './decode.js';
import { counter, detach, spool, tempPath, tooLarge } from './spool.js';

export interface ReceivedUpload {
  path: string;
  bytes: number;
  format: Format;
  schema?: SchemaOverride;
  filename?: string;
}

/** Room for multipart boundaries, part headers and small fields on top of the file itself. */
const MULTIPART_OVERHEAD = 1 << 20;

/** Longest multipart field: fields are held in memory, and a schema override of thousands of
 *  columns fits in 256 KiB. */
const MULTIPART_FIELD_BYTES = 256 * 1024;

/** Multipart limits (busboy's), all explicit: one file part of at most the upload limit (one byte
 *  more, so that the spool's own check reports the exact limit), a few small fields (`schema`,
 *  `format`), and few headers per part. Anything over them is a 413 (problem.ts; a long field, here). */
export function multipartLimits(maxUploadBytes: number) {
  return {
    fileSize: maxUploadBytes + 1,
    files: 1,
    fields: 4,
    fieldSize: MULTIPART_FIELD_BYTES,
    fieldNameSize: 100,
    parts: 10,
    headerPairs: 16,
  };
}

/** Per-request options of the multipart parser: a part named `file` is the upload even when its
 *  Content-Disposition has no filename (busboy would take it for a text field, held in memory and
 *  reported missing); its format then comes from ?format=, a `format` field or its Content-Type. */
const PART_OPTIONS = {
  isPartAFile: (fieldName: string | undefined, contentType: string | undefined, fileName: string | undefined) =>
    fieldName === 'file' || fileName !== undefined || contentType === 'application/octet-stream',
};

/** The boundary parameter of a multipart Content-Type (RFC 2046 §5.1.1); a 400 without one. */
function multipartBoundary(contentType: string | undefined): string {
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const boundary = m?.[1] ?? m?.[2];
  if (boundary === undefined || boundary.length > 70) {
    throw badRequest(
      `Content-Type "${contentType}" has ${boundary === undefined ? 'no boundary parameter' : 'a boundary longer than 70 characters'}: a multipart/form-data body needs one, e.g. multipart/form-data; boundary=X (curl -F sets it)`,
      { header: 'Content-Type', parameter: 'boundary' },
    );
  }
  return boundary;
}

/** The multipart parser's own failures (busboy's plain Errors) as the client's 400s; our problems
 *  and @fastify/multipart's coded errors (limits: 413, see problem.ts) pass through. */
function multipartProblem(e: unknown, boundary: string, sawPart: boolean): unknown {
  if (e instanceof HttpProblem || unavailableCode(e) !== null) return e;
  const err = e as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (typeof err.code === 'string' && err.code.startsWith('FST_')) return e;
  const message = typeof err.message === 'string' ? err.message : String(e);
  const extra = { header: 'Content-Type', parameter: 'boundary', boundary };
  if (/unexpected end|terminated early/i.test(message)) {
    return badRequest(
      sawPart
        ? `the multipart body ends before its closing boundary "--${boundary}--": it was cut short`
        : `the multipart body holds no part delimited by the boundary "${boundary}" that its Content-Type names (a wrong boundary, or a body cut short)`,
      { ...extra, reason: sawPart ? 'incomplete-body' : 'boundary-not-found' },
    );
  }
  if (/boundary/i.test(message)) return badRequest(`the multipart boundary "${boundary}" is not usable (${message})`, extra);
  return badRequest(`the multipart body is malformed (${message})`, extra);
}

/** The same request, with its body decoded (Content-Encoding) before the multipart parser reads
 *  it: @fastify/multipart reads `request.raw`, so the decoded stream stands in for it. The decoded
 *  body is bounded like the file it carries (plus room for boundaries and fields), so a bomb hidden
 *  in a preamble or epilogue stops too. */
function decodedRequest(req: FastifyRequest, decoder: NodeJS.ReadWriteStream, limit: number): FastifyRequest {
  const decoded = counter(limit + MULTIPART_OVERHEAD, () => tooLarge(limit, true));
  // Errors reach the parser through `decoded` (destroyed with them), which ends the parts iteration.
  pipeline(detach(req.raw), decoder, decoded).catch(() => {});
  const raw = Object.assign(decoded, { headers: req.raw.headers, aborted: false });
  return Object.create(req, { raw: { value: raw } }) as FastifyRequest;
}

const MEDIA_TYPES = [
  'text/csv',
  'application/x-ndjson',
  'application/json',
  'application/vnd.apache.arrow.stream',
  'application/vnd.apache.arrow.file',
  'application/vnd.apache.parquet',
];

function unknownFormat(hint: { format?: string; contentType?: string; filename?: string }): HttpProblem {
  const accepted = {
    formats: FORMATS,
    mediaTypes: MEDIA_TYPES,
    extensions: ['.csv', '.tsv', '.ndjson', '.jsonl', '.json', '.arrow', '.arrows', '.parquet'],
  };
  if (hint.format) {
    return unsupportedMediaType(`format "${hint.format}" is not one of ${FORMATS.join(', ')}`, { parameter: 'format', ...accepted });
  }
  const said = [
    hint.contentType ? `Content-Type "${hint.contentType}"` : 'no Content-Type',
    hint.filename ? `file name "${hint.filename}"` : 'no file name',
  ];
  return unsupportedMediaType(
    `cannot tell the upload's format from ${said.join(' and ')}: pass ?format=csv|ndjson|json|arrow|parquet, a Content-Type such as text/csv, or a file name with a known extension`,
    accepted,
  );
}

function parseSchemaParam(text: unknown, where: string): SchemaOverride | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    return parseSchemaOverride(typeof text === 'string' ? text : JSON.stringify(text));
  } catch (e) {
    if (e instanceof NCFError) throw badRequest(`${where}: ${e.message.replace(/^ncf: /, '')}`, { parameter: 'schema' });
    throw e;
  }
}

/** The file name from `Content-Disposition: attachment; filename="x.csv"`, if any. */
function dispositionFilename(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim());
    } catch {
      /* fall through to the plain form */
    }
  }
  const m = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(header);
  return m ? (m[1] ?? m[2]) : undefined;
}

function queryString(req: FastifyRequest, name: string): string | undefined {
  const v = (req.query as Record<string, unknown> | undefined)?.[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw badRequest(`query parameter "${name}" is given ${v.length} times; give it once`, { parameter: name });
  return String(v);
}

export async function receiveUpload(req: FastifyRequest, dataDir: string, limit: number): Promise<ReceivedUpload> {
  const formatParam = queryString(req, 'format');
  let schema = parseSchemaParam(queryString(req, 'schema'), 'query parameter "schema"');
  const declared = Number(req.headers['content-length']);
  const multipart = req.isMultipart();
  // Refuse a body that announces it is too large before reading any of it.
  if (Number.isFinite(declared) && declared > limit + (multipart ? MULTIPART_OVERHEAD : 0)) throw tooLarge(limit);

  if (!multipart) {
    const contentType = req.headers['content-type'];
    const filename = queryString(req, 'filename') ?? dispositionFilename(req.headers['content-disposition'] as string | undefined);
    const hint = { format: formatParam, contentType, filename };
    const format = detectFormat(hint);
    if (format === null) throw unknownFormat(hint);
    const decoder = bodyDecoder(req.headers['content-encoding']);
    const body = (req.body as Readable | undefined) ?? req.raw;
    const path = await tempPath(dataDir, 'upload');
    const { bytes } = await spool(body, path, limit, { decoder });
    const out: ReceivedUpload = { path, bytes, format };
    if (schema) out.schema = schema;
    if (filename) out.filename = filename;
    return out;
  }

  const boundary = multipartBoundary(req.headers['content-type']);
  const decoder = bodyDecoder(req.headers['content-encoding']);
  let received: { path: string; bytes: number; format: Format; filename?: string } | null = null;
  let formatField: string | undefined;
  let schemaField: unknown;
  let sawPart = false;
  const parts = (decoder ? decodedRequest(req, decoder, limit) : req).parts(PART_OPTIONS) as AsyncIterableIterator<Multipart>;
  try {
    for (;;) {
      let step: IteratorResult<Multipart>;
      try {
        step = await parts.next();
      } catch (e) {
        throw multipartProblem(e, boundary, sawPart);
      }
      if (step.done) break;
      const part = step.value;
      sawPart = true;
      if (part.type === 'field') {
        if (part.valueTruncated) {
          throw payloadTooLarge(`multipart field "${part.fieldname}" is longer than ${MULTIPART_FIELD_BYTES} bytes`, {
            parameter: part.fieldname,
            limit: MULTIPART_FIELD_BYTES,
          });
        }
        if (part.fieldname === 'schema') schemaField = part.value;
        else if (part.fieldname === 'format') formatField = String(part.value);
        continue;
      }
      if (part.fieldname !== 'file' || received !== null) {
        part.file.resume();
        throw badRequest(
          received !== null
            ? 'the multipart body has more than one file part; send one part named "file"'
            : `the multipart body has a file part named "${part.fieldname}"; the data goes in a part named "file" (curl -F file=@data.csv)`,
          { parameter: 'file' },
        );
      }
      const hint = { format: formatParam ?? formatField, contentType: part.mimetype, filename: part.filename };
      const format = detectFormat(hint);
      if (format === null) {
        part.file.resume();
        throw unknownFormat(hint);
      }
      const path = await tempPath(dataDir, 'upload');
      const { bytes } = await spool(part.file, path, limit).catch((e: unknown) => {
        // The parser gave up on the part: say what was wrong with the body, boundary and all.
        const cause = (e as { cause?: unknown }).cause;
        throw cause instanceof Error && /unexpected end|terminated early/i.test(cause.message)
          ? multipartProblem(cause, boundary, true)
          : e;
      });
      received = { path, bytes, format };
      if (part.filename) received.filename = part.filename;
    }
  } catch (e) {
    if (received) await unlink(received.path).catch(() => {});
    // End the parts generator, as a for-await loop left by a throw would.
    await parts.return?.(undefined).catch(() => {});
    throw e;
  }
  if (received === null) {
    throw badRequest('the multipart body has no part named "file"; send the data as -F file=@data.csv', { parameter: 'file' });
  }
  try {
    if (schemaField !== undefined) {
      if (schema)
        throw badRequest('the schema is given both as a query parameter and as a multipart field; give it once', { parameter: 'schema' });
      schema = parseSchemaParam(schemaField, 'multipart field "schema"');
    }
  } catch (e) {
    await unlink(received.path).catch(() => {});
    throw e;
  }
  const out: ReceivedUpload = { ...received };
  if (schema) out.schema = schema;
  return out;
}
