// Receives an upload: a multipart/form-data body with a part named `file`, or a raw body. Decides
// the format (?format= → Content-Type → file name extension → 415) before reading the data, reads
// the optional schema override (?schema= or a multipart field `schema`, JSON), and spools the bytes
// to a temp file (see spool.ts) that the caller must delete.

import type { Readable } from 'node:stream';
import { unlink } from 'node:fs/promises';
import type { FastifyRequest } from 'fastify';
import type { Multipart } from '@fastify/multipart';
import { badRequest, payloadTooLarge, unsupportedMediaType, type HttpProblem } from '../errors.js';
import { NCFError } from '../format/errors.js';
import { detectFormat, FORMATS, parseSchemaOverride, type Format, type SchemaOverride } from '../ingest/index.js';
import { spool, tempPath, tooLarge } from './spool.js';

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

const MEDIA_TYPES = [
  'text/csv', 'application/x-ndjson', 'application/json', 'application/vnd.apache.arrow.stream',
  'application/vnd.apache.arrow.file', 'application/vnd.apache.parquet',
];

function unknownFormat(hint: { format?: string; contentType?: string; filename?: string }): HttpProblem {
  const accepted = { formats: FORMATS, mediaTypes: MEDIA_TYPES, extensions: ['.csv', '.tsv', '.ndjson', '.jsonl', '.json', '.arrow', '.arrows', '.parquet'] };
  if (hint.format) {
    return unsupportedMediaType(`format "${hint.format}" is not one of ${FORMATS.join(', ')}`, { parameter: 'format', ...accepted });
  }
  const said = [hint.contentType ? `Content-Type "${hint.contentType}"` : 'no Content-Type', hint.filename ? `file name "${hint.filename}"` : 'no file name'];
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
    try { return decodeURIComponent(star[1]!.trim()); } catch { /* fall through to the plain form */ }
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
    const body = (req.body as Readable | undefined) ?? req.raw;
    const path = await tempPath(dataDir, 'upload');
    const { bytes } = await spool(body, path, limit);
    const out: ReceivedUpload = { path, bytes, format };
    if (schema) out.schema = schema;
    if (filename) out.filename = filename;
    return out;
  }

  let received: { path: string; bytes: number; format: Format; filename?: string } | null = null;
  let formatField: string | undefined;
  let schemaField: unknown;
  try {
    for await (const part of req.parts() as AsyncIterableIterator<Multipart>) {
      if (part.type === 'field') {
        if (part.valueTruncated) {
          throw payloadTooLarge(`multipart field "${part.fieldname}" is longer than ${MULTIPART_FIELD_BYTES} bytes`,
            { parameter: part.fieldname, limit: MULTIPART_FIELD_BYTES });
        }
        if (part.fieldname === 'schema') schemaField = part.value;
        else if (part.fieldname === 'format') formatField = String(part.value);
        continue;
      }
      if (part.fieldname !== 'file' || received !== null) {
        part.file.resume();
        throw badRequest(received !== null
          ? 'the multipart body has more than one file part; send one part named "file"'
          : `the multipart body has a file part named "${part.fieldname}"; the data goes in a part named "file" (curl -F file=@data.csv)`,
        { parameter: 'file' });
      }
      const hint = { format: formatParam ?? formatField, contentType: part.mimetype, filename: part.filename };
      const format = detectFormat(hint);
      if (format === null) {
        part.file.resume();
        throw unknownFormat(hint);
      }
      const path = await tempPath(dataDir, 'upload');
      const { bytes } = await spool(part.file, path, limit);
      received = { path, bytes, format };
      if (part.filename) received.filename = part.filename;
    }
  } catch (e) {
    if (received) await unlink(received.path).catch(() => {});
    throw e;
  }
  if (received === null) {
    throw badRequest('the multipart body has no part named "file"; send the data as -F file=@data.csv', { parameter: 'file' });
  }
  try {
    if (schemaField !== undefined) {
      if (schema) throw badRequest('the schema is given both as a query parameter and as a multipart field; give it once', { parameter: 'schema' });
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
