// The NCF constant tables (docs/FORMAT.md §1, §4, §5). Names in these tables appear in files and in
// error messages, so they never change meaning; new entries may be added in minor versions.

/** "NCF1" — first and last four bytes of the file's fixed parts (FORMAT.md §1). */
export const MAGIC = new Uint8Array([0x4e, 0x43, 0x46, 0x31]);
export const FORMAT_MAJOR = 1;
export const FORMAT_MINOR = 0;
/** Header: magic (4) + major u16 + minor u16. */
export const HEADER_LENGTH = 8;
/** Tail after the footer: footer length u32 + footer CRC-32 u32 + major u16 + minor u16 + magic (4)
 *  + SHA-256 (32). */
export const TAIL_LENGTH = 4 + 4 + 4 + 4 + 32;
/** How much a reader fetches from the end in its first read; covers the footer of most files. */
export const FOOTER_PREFETCH = 64 * 1024;
/** Upper bound for a footer: a larger value in a file is treated as corruption. */
export const MAX_FOOTER_LENGTH = 256 * 1024 * 1024;

export const WRITER_VERSION = 'ncf-ts 0.1.0';

/** Chunk codecs (FORMAT.md §6). */
export const CODECS = ['none', 'zstd'] as const;
export type Codec = (typeof CODECS)[number];

/** Semantic tags the engine knows (FORMAT.md §3); the schema accepts any other tag too. */
export const SEMANTIC_TYPES = [
  'pii_email',
  'pii_phone',
  'pii_ssn',
  'pii_name',
  'pii_address',
  'geo_lat',
  'geo_lon',
  'temporal_date',
  'temporal_timestamp',
  'id_uuid',
  'id_key',
  'categorical',
  'numerical',
  'text_description',
  'text_title',
  'unknown',
] as const;

export const DEFAULT_ROW_GROUP_ROWS = 131_072;
export const DEFAULT_COMPRESSION_LEVEL = 3;
/** Longest string statistic kept in the footer; longer ones are truncated in the safe direction. */
export const MAX_STAT_BYTES = 64;
/** Reader limits: a file claiming more is refused before anything that size is allocated. */
export const MAX_CHUNK_BYTES = 1 << 30;
export const MAX_ROW_GROUP_ROWS = 1 << 24;
/** Most columns a table may have (MySQL's limit; PostgreSQL allows 1600). Arrow JS spends time
 *  quadratic in the width on every record batch, so a 64 KB header of 30,000 empty names would
 *  otherwise hold the event loop for tens of seconds. */
export const MAX_COLUMNS = 4096;
