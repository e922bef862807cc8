// Usage texts of the `ncf` command (kept beside the code they describe; docs quote them).

export const MAIN_HELP = `ncf — NCF columnar files: convert, inspect, query and validate

Usage:
  ncf convert <input> <output.ncf> [options]   CSV, NDJSON, JSON, Arrow IPC or Parquet → NCF
  ncf inspect <file.ncf> [--json]              schema, row groups, encodings, sizes, statistics
  ncf cat <file.ncf> [options]                 print rows (ndjson, json, csv or arrow)
  ncf validate <file.ncf>                      check checksums and structure (exit 0 sound, 1 not)
  ncf --help | ncf <command> --help            help
  ncf --version                                version

Run "ncf <command> --help" for the options of a command.
`;

export const CONVERT_HELP = `Usage: ncf convert <input> <output.ncf> [options]

Converts a CSV, NDJSON, JSON (array of objects), Arrow IPC (file or stream) or Parquet file into NCF.
The output is written to a temporary file and renamed when complete.

Options:
  --format <f>             input format: csv, ndjson, json, arrow, parquet (default: from the extension)
  --schema <json|@file>    column types overriding inference, e.g. '{"zip":"string","amount":"float64"}'
                           or with semantic types '{"email":{"type":"string","semanticType":"pii_email"}}'
  --delimiter <c>          CSV delimiter (default: sniffed among , tab ; |)
  --table-name <name>      table name stored in the footer (default: the input's base name)
  --row-group-rows <n>     rows per row group (default 131072)
  --compression-level <n>  zstd level (default 3)

CSV and JSON inference: int32/int64, float64, bool, date (YYYY-MM-DD, YYYY/MM/DD), timestamp
(ISO 8601 with T or a space, or YYYY/MM/DD HH:MM:SS; UTC when every value has a zone), else string.
Numbers with leading zeros ("01234") stay strings; an empty field is null. Columns keep the order of
the input. Rules: docs/INGEST.md.
`;

export const INSPECT_HELP = `Usage: ncf inspect <file.ncf> [--json]

Prints the schema, row groups and, per column chunk, its encoding, codec, stored and raw sizes and
statistics (min, max, null count, distinct count). --json prints the same as JSON.
`;

export const CAT_HELP = `Usage: ncf cat <file.ncf> [options]

Prints rows to stdout.

Options:
  --columns <a,b,...>   columns to print, in this order (default: all)
  --where <filter>      PostgREST filter, repeatable (ANDed): 'delay=gt.60', 'origin=in.(SFO,LAX)',
                        'name=like.A*', 'x=is.null', 'or=(a.lt.0,b.gt.10)', 'delay=not.eq.0'
  --limit <n>           print at most n rows
  --offset <n>          skip the first n matching rows
  --format <f>          ndjson (default), json, csv or arrow (Arrow IPC stream, binary)
`;

export const VALIDATE_HELP = `Usage: ncf validate <file.ncf>

Checks the header and tail, the footer, the SHA-256 of the whole file, and decodes every chunk
(checking its CRC-32 and structure). Exits 0 when the file is sound, 1 with a message when it is not.
`;
