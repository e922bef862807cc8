// The table formats NCF speaks, one row each: names, media types and file extensions, and whether a
// table can be uploaded in it and answered in it. Everything that lists formats reads this table:
// content negotiation (src/query/negotiate.ts), the answer renderers (src/query/output/index.ts),
// upload detection and parsers (src/ingest), the client (src/client, which also runs in browsers) and
// the test that openapi.yaml documents exactly these. It imports nothing, so browsers can load it.
//
// Adding a format: one row here, one renderer file in src/query/output/ and/or one parser in
// src/ingest/, each registered in its registry (a Record keyed by format: the compiler names the
// missing one), and its media type in openapi.yaml (test/query/formats-openapi.test.ts checks it).

export type TableFormat = 'csv' | 'ndjson' | 'json' | 'arrow' | 'parquet';

export interface FormatRow {
  readonly name: TableFormat;
  /** How messages name it. */
  readonly label: string;
  /** The canonical media type (uploads send it as Content-Type, answers are negotiated on it). */
  readonly mediaType: string;
  /** The Content-Type header of an answer (text formats say their charset). */
  readonly contentType: string;
  /** Other media types an upload may be sent as (parameters stripped, lower case). */
  readonly otherMediaTypes: readonly string[];
  /** Upload file name extensions, without the dot, lower case. */
  readonly extensions: readonly string[];
  /** Other names accepted for ?format= on uploads (and `ncf convert --format`), lower case. */
  readonly aliases: readonly string[];
  /** Tables can be uploaded in it (src/ingest has its parser). */
  readonly upload: boolean;
  /** Queries can be answered in it (src/query/output has its renderer). */
  readonly answer: boolean;
  /** Answers are compact already (compressed inside): no HTTP content coding is applied to them. */
  readonly compact: boolean;
  /** Answer preference when the client's Accept ranks several equally (lower first; JSON is the default). */
  readonly answerRank: number;
}

/** In the order uploads list them. */
export const FORMAT_TABLE: readonly FormatRow[] = [
  {
    name: 'csv',
    label: 'CSV',
    mediaType: 'text/csv',
    contentType: 'text/csv; charset=utf-8; header=present',
    otherMediaTypes: ['text/tab-separated-values', 'application/csv'],
    extensions: ['csv', 'tsv'],
    aliases: ['tsv'],
    upload: true,
    answer: true,
    compact: false,
    answerRank: 3,
  },
  {
    name: 'ndjson',
    label: 'NDJSON',
    mediaType: 'application/x-ndjson',
    contentType: 'application/x-ndjson; charset=utf-8',
    otherMediaTypes: ['application/ndjson', 'application/jsonl', 'application/x-jsonlines'],
    extensions: ['ndjson', 'jsonl'],
    aliases: ['jsonl', 'json-lines', 'jsonlines'],
    upload: true,
    answer: true,
    compact: false,
    answerRank: 2,
  },
  {
    name: 'json',
    label: 'JSON',
    mediaType: 'application/json',
    contentType: 'application/json; charset=utf-8',
    otherMediaTypes: [],
    extensions: ['json'],
    aliases: [],
    upload: true,
    answer: true,
    compact: false,
    answerRank: 0,
  },
  {
    name: 'arrow',
    label: 'Arrow',
    mediaType: 'application/vnd.apache.arrow.stream',
    contentType: 'application/vnd.apache.arrow.stream',
    otherMediaTypes: ['application/vnd.apache.arrow.file'],
    extensions: ['arrow', 'arrows', 'ipc', 'feather'],
    aliases: ['ipc', 'arrows', 'feather'],
    upload: true,
    answer: true,
    compact: false,
    answerRank: 1,
  },
  {
    name: 'parquet',
    label: 'Parquet',
    mediaType: 'application/vnd.apache.parquet',
    contentType: 'application/vnd.apache.parquet',
    otherMediaTypes: ['application/x-parquet'],
    extensions: ['parquet'],
    aliases: [],
    upload: true,
    answer: true,
    // Its pages are zstd-compressed already: a second compression would cost time and save nothing.
    compact: true,
    answerRank: 4,
  },
];

export const FORMATS_BY_NAME: Readonly<Record<TableFormat, FormatRow>> = Object.fromEntries(FORMAT_TABLE.map((r) => [r.name, r])) as Record<
  TableFormat,
  FormatRow
>;

/** The canonical media type of each format. */
export const MEDIA_TYPES: Readonly<Record<TableFormat, string>> = Object.fromEntries(
  FORMAT_TABLE.map((r) => [r.name, r.mediaType]),
) as Record<TableFormat, string>;

/** Formats uploads take, in listing order. */
export const UPLOAD_FORMATS: readonly TableFormat[] = FORMAT_TABLE.filter((r) => r.upload).map((r) => r.name);

/** Formats queries answer in, in the server's order of preference. */
export const ANSWER_FORMATS: readonly TableFormat[] = FORMAT_TABLE.filter((r) => r.answer)
  .sort((a, b) => a.answerRank - b.answerRank)
  .map((r) => r.name);

/** Every media type an upload may be sent as (canonical first, then the others). */
export function uploadMediaTypes(row: FormatRow): readonly string[] {
  return [row.mediaType, ...row.otherMediaTypes];
}
