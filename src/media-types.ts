// The media type of each table format NCF speaks, in uploads and in answers. It imports nothing, so
// the client (src/client, which also runs in browsers) and the server share it.

export type TableFormat = 'json' | 'arrow' | 'ndjson' | 'csv' | 'parquet';

export const MEDIA_TYPES: Record<TableFormat, string> = {
  json: 'application/json',
  arrow: 'application/vnd.apache.arrow.stream',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
  parquet: 'application/vnd.apache.parquet',
};
