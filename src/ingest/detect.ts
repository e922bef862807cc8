// Input format detection from an explicit name, a Content-Type, or a file name, in that order. The
// names, media types and extensions are the format table's (src/formats/table.ts).

import { FORMAT_TABLE, type TableFormat, UPLOAD_FORMATS, uploadMediaTypes } from '../formats/table.js';

export type Format = TableFormat;

/** The formats uploads take, in listing order. */
export const FORMATS: readonly Format[] = UPLOAD_FORMATS;

const uploadRows = FORMAT_TABLE.filter((r) => r.upload);

/** Names accepted for `format` (case-insensitive): the canonical ones and their aliases. */
const FORMAT_NAMES = new Map<string, Format>(uploadRows.flatMap((r) => [r.name, ...r.aliases].map((n) => [n, r.name] as const)));

/** Media types (parameters like charset stripped, lower-cased). */
const CONTENT_TYPES = new Map<string, Format>(uploadRows.flatMap((r) => uploadMediaTypes(r).map((m) => [m, r.name] as const)));

const EXTENSIONS = new Map<string, Format>(uploadRows.flatMap((r) => r.extensions.map((e) => [e, r.name] as const)));

/** Format from explicit name (null if that name is unknown), else Content-Type, else file extension; null when none is known. */
export function detectFormat(hint: { format?: string; contentType?: string; filename?: string }): Format | null {
  // An explicit but unknown name is an answer too: falling through would hide the caller's typo.
  if (hint.format) return FORMAT_NAMES.get(hint.format.trim().toLowerCase()) ?? null;
  if (hint.contentType) {
    const media = hint.contentType.split(';')[0]!.trim().toLowerCase();
    const f = CONTENT_TYPES.get(media);
    if (f) return f;
  }
  if (hint.filename) {
    const name = hint.filename.trim().toLowerCase();
    const dot = name.lastIndexOf('.');
    if (dot >= 0) {
      const f = EXTENSIONS.get(name.slice(dot + 1));
      if (f) return f;
    }
  }
  return null;
}
