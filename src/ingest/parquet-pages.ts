// Plans how many rows parquet-wasm may decode into one WebAssembly batch, from the file's own page
// headers, so a batch of a dictionary-encoded string column read as plain Utf8 (one large entry
// referenced by many rows) holds about NCF_MAX_BATCH_BYTES, not 65,536 × the entry.
//
// parquet-wasm does not expose where the dictionary pages are, so the footer is read here (Thrift
// compact protocol), and for each string/binary column chunk that uses a dictionary encoding the
// dictionary page's header is read (a small ranged read at the chunk's start). A row of that column
// decodes to at most the longest dictionary entry plus a 4-byte offset, and the longest entry is at
// most the page's decompressed size (an uncompressed page is at most its stored bytes). Summed over
// the columns this is a worst case per row for the row group, and its batches get
// floor(maxBatchBytes / worst) rows (at least 1, at most the default). Pages not dictionary-encoded
// decode to about their own size, so they cannot multiply; they do not shrink the batch.
//
// Measured limit of this: parquet-wasm 0.8 still expands the whole row group's column chunk in
// WebAssembly memory before the first batch (1,900 rows × 1 MiB: +1.9 GiB whatever the batch size).
// The plan removes the second, batch-sized copy, which for that file passed WebAssembly's 4 GiB and
// aborted the process; the chunk's expansion is bounded by the worker thread's capped WebAssembly
// memory (parquet.ts, parquet-worker.ts), where this plan runs.

import { NCFError } from '../format/errors.js';
import { uploadTooLarge } from './limit-errors.js';
import type { DecodeLimits } from './limits.js';
import { list, num, readStruct, struct, ThriftError, type ThriftStruct } from './thrift-compact.js';

// Parquet enums (parquet.thrift).
const BYTE_ARRAY = 6;
const FIXED_LEN_BYTE_ARRAY = 7;
const PLAIN_DICTIONARY = 2;
const RLE_DICTIONARY = 8;
const DICTIONARY_PAGE = 2;
const UNCOMPRESSED = 0;

/** First read of a page header; a header that does not fit is read again up to the larger size. */
const HEADER_READ = 4096;
const HEADER_READ_MAX = 64 * 1024;

export interface PageHeader {
  type: number;
  uncompressedSize: number;
  compressedSize: number;
}

function bad(msg: string): NCFError {
  return new NCFError('INPUT', `ncf: the input is not a readable Parquet file (${msg})`);
}

/**
 * The fields of a Thrift PageHeader we need, or undefined when `buf` ends before the header does.
 * Garbage (an unknown type, a negative size, a missing required field) is an INPUT error.
 */
export function parsePageHeader(buf: Uint8Array): PageHeader | undefined {
  let s: ThriftStruct;
  try {
    s = readStruct(buf).value;
  } catch (e) {
    if (e instanceof ThriftError && e.truncated) return undefined;
    throw bad(`page header: ${(e as Error).message}`);
  }
  const type = num(s, 1);
  const uncompressedSize = num(s, 2);
  const compressedSize = num(s, 3);
  if (type === undefined || uncompressedSize === undefined || compressedSize === undefined) throw bad('page header without type or sizes');
  if (!(type >= 0 && type <= 3) || !(uncompressedSize >= 0) || !(compressedSize >= 0))
    throw bad(`page header of type ${type}, sizes ${uncompressedSize}/${compressedSize}`);
  return { type, uncompressedSize, compressedSize };
}

async function bytesAt(blob: Blob, start: number, end: number): Promise<Uint8Array> {
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

/** The file's FileMetaData struct (the footer) and where the column data ends (the footer's start). */
export async function readFooter(blob: Blob): Promise<{ footer: ThriftStruct; dataEnd: number }> {
  const size = blob.size;
  if (size < 12) throw bad('shorter than a Parquet footer');
  const tail = await bytesAt(blob, size - 8, size);
  const len = new DataView(tail.buffer, tail.byteOffset, 8).getUint32(0, true);
  if (len > size - 12) throw bad(`footer length ${len} past the file's start`);
  try {
    return { footer: readStruct(await bytesAt(blob, size - 8 - len, size - 8)).value, dataEnd: size - 8 - len };
  } catch (e) {
    throw bad(`footer: ${(e as Error).message}`);
  }
}

async function headerAt(blob: Blob, offset: number, dataEnd: number): Promise<PageHeader | undefined> {
  for (const window of [HEADER_READ, HEADER_READ_MAX]) {
    const end = Math.min(dataEnd, offset + window);
    const h = parsePageHeader(await bytesAt(blob, offset, end));
    if (h !== undefined) return h;
    if (end === dataEnd) throw bad(`page header at byte ${offset} runs past the column data`);
  }
  return undefined; // a header over 64 KiB: no bound known
}

export interface RowGroupPlan {
  /** Row group indexes, consecutive, all planned with the same batch size. */
  rowGroups: number[];
  batchRows: number;
  /** Worst-case decoded bytes of one row from dictionary-encoded string/binary columns. */
  worstRowBytes: number;
}

/**
 * One plan per run of row groups with the same batch size. A dictionary page that alone
 * decompresses past the upload's budget is refused (413) before anything is decoded.
 */
export async function planBatches(blob: Blob, limits: DecodeLimits, defaultRows: number): Promise<RowGroupPlan[]> {
  const { footer, dataEnd } = await readFooter(blob);
  const plans: RowGroupPlan[] = [];
  const groups = list(footer, 4);
  for (let g = 0; g < groups.length; g++) {
    const rg = groups[g] as ThriftStruct;
    let worst = 0;
    for (const cc of rg instanceof Map ? list(rg, 1) : []) {
      const md = cc instanceof Map ? struct(cc as ThriftStruct, 3) : undefined;
      if (md === undefined) continue;
      const physical = num(md, 1);
      if (physical !== BYTE_ARRAY && physical !== FIXED_LEN_BYTE_ARRAY) continue;
      const encodings = list(md, 2);
      if (!encodings.includes(PLAIN_DICTIONARY) && !encodings.includes(RLE_DICTIONARY)) continue;
      const dictOffset = num(md, 11);
      const start = dictOffset !== undefined && dictOffset > 0 ? dictOffset : num(md, 9);
      const column = list(md, 3)
        .map((p) => (p instanceof Uint8Array ? new TextDecoder().decode(p) : '?'))
        .join('.');
      if (start === undefined || !(start >= 4 && start < dataEnd)) throw bad(`column "${column}": chunk offset ${start} outside the file`);
      const h = await headerAt(blob, start, dataEnd);
      if (h === undefined) {
        worst = Infinity;
        continue;
      }
      if (h.type !== DICTIONARY_PAGE) continue;
      // An uncompressed page holds its stored bytes whatever its header says.
      const pageBytes = num(md, 4) === UNCOMPRESSED ? Math.max(h.uncompressedSize, h.compressedSize) : h.uncompressedSize;
      if (pageBytes > limits.maxDecodedBytes) throw uploadTooLarge(column, pageBytes, limits.maxDecodedBytes);
      worst += pageBytes + 4;
    }
    const batchRows = Math.max(1, Math.min(defaultRows, Math.floor(limits.maxBatchBytes / worst)));
    const last = plans[plans.length - 1];
    if (last !== undefined && last.batchRows === batchRows) {
      last.rowGroups.push(g);
      last.worstRowBytes = Math.max(last.worstRowBytes, worst);
    } else plans.push({ rowGroups: [g], batchRows, worstRowBytes: worst });
  }
  return plans;
}
