// Input format detection from an explicit name, a Content-Type, or a file name, in that order.

export type Format = 'csv' | 'ndjson' | 'json' | 'arrow' | 'parquet';

export const FORMATS: readonly Format[] = ['csv', 'ndjson', 'json', 'arrow', 'parquet'];

/** Names accepted for `format`, beyond the canonical ones (case-insensitive). */
const FORMAT_ALIASES = new Map<string, Format>(
  Object.entries({
    csv: 'csv',
    tsv: 'csv',
    ndjson: 'ndjson',
    jsonl: 'ndjson',
    'json-lines': 'ndjson',
    jsonlines: 'ndjson',
    json: 'json',
    arrow: 'arrow',
    ipc: 'arrow',
    arrows: 'arrow',
    feather: 'arrow',
    parquet: 'parquet',
  }) as [string, Format][],
);

/** Media types (parameters like charset stripped, lower-cased). */
const CONTENT_TYPES = new Map<string, Format>(
  Object.entries({
    'text/csv': 'csv',
    'text/tab-separated-values': 'csv',
    'application/csv': 'csv',
    'application/x-ndjson': 'ndjson',
    'application/ndjson': 'ndjson',
    'application/jsonl': 'ndjson',
    'application/x-jsonlines': 'ndjson',
    'application/json': 'json',
    'application/vnd.apache.arrow.stream': 'arrow',
    'application/vnd.apache.arrow.file': 'arrow',
    'application/vnd.apache.parquet': 'parquet',
    'application/x-parquet': 'parquet',
  }) as [string, Format][],
);

const EXTENSIONS = new Map<string, Format>(
  Object.entries({
    csv: 'csv',
    tsv: 'csv',
    ndjson: 'ndjson',
    jsonl: 'ndjson',
    json: 'json',
    arrow: 'arrow',
    arrows: 'arrow',
    ipc: 'arrow',
    feather: 'arrow',
    parquet: 'parquet',
  }) as [string, Format][],
);

/** Format from explicit name (null if that name is unknown), else Content-Type, else file extension; null when none is known. */
export function detectFormat(hint: { format?: string; contentType?: string; filename?: string }): Format | null {
  // An explicit but unknown name is an answer too: falling through would hide the caller's typo.
  if (hint.format) return FORMAT_ALIASES.get(hint.format.trim().toLowerCase()) ?? null;
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
