// `fsst` (FORMAT.md §5.9): string and binary values with their frequent 1..8 byte substrings replaced
// by one-byte codes of a per-chunk symbol table (fsst-table.ts), code 255 escaping a literal byte.
// Layout: decoded total u32, symbol count u8, symbol lengths, symbol bytes, a nested block of n uint32
// encoded lengths, then the codes. Also decides whether fsst is worth it for a chunk: zstd follows,
// so it compresses a sample both ways and wants fsst clearly smaller.

import type { Values } from '../column.js';
import { compressBody } from '../compression.js';
import { DEFAULT_COMPRESSION_LEVEL } from '../constants.js';
import type { ByteReader, ByteWriter } from '../cursor.js';
import { check, corrupt } from '../errors.js';
import { bitLength32 } from '../int64.js';
import type { DataType } from '../schema.js';
import { ESCAPE, MAX_SYMBOL_LENGTH, SYMBOL_BASE, buildSymbolTable, matchAt, wordAt, type SymbolTable } from './fsst-table.js';
import { readLengths, type Nest, type ValueEncoding } from './codec.js';
import { MAX_BYTES_LENGTH } from './plain.js';
import { bytesOf, scratchI32 } from './types.js';

/** Rows per call of the row loops (see scan.ts: V8 optimises a block function better than one long loop). */
const BLOCK = 4096;

let codeScratch = new Uint8Array(0);

/** The reused code buffer, grown to hold at least `len` bytes while keeping its first `keep`. */
function codeBuffer(len: number, keep: number): Uint8Array {
  if (codeScratch.length < len) {
    const next = new Uint8Array(Math.max(len, Math.min(2 * codeScratch.length, 1 << 26)));
    next.set(codeScratch.subarray(0, keep));
    codeScratch = next;
  }
  return codeScratch;
}

/**
 * Encodes rows [from, to) with `t` into `out` at `o` (which must have 2 bytes per input byte free),
 * storing row i's code count in `elens[i]`; returns the new end of `out`.
 */
function encodeRows(
  t: SymbolTable,
  offsets: Int32Array,
  data: Uint8Array,
  view: DataView,
  from: number,
  to: number,
  out: Uint8Array,
  o: number,
  elens: Int32Array,
): number {
  const limit = data.length;
  for (let i = from; i < to; i++) {
    const o0 = o;
    let p = offsets[i]!;
    const end = offsets[i + 1]!;
    while (p < end) {
      const wide = p + 8 <= limit;
      const lo = wide ? view.getInt32(p, true) : wordAt(data, p, limit);
      const hi = wide ? view.getInt32(p + 4, true) : wordAt(data, p + 4, limit);
      const m = matchAt(t, lo, hi, end - p);
      const id = m >>> 4;
      if (id >= SYMBOL_BASE) {
        out[o++] = id - SYMBOL_BASE;
      } else {
        out[o++] = ESCAPE;
        out[o++] = id;
      }
      p += m & 15;
    }
    elens[i] = o - o0;
  }
  return o;
}

/** Encodes rows [from, to) into the code buffer (codeScratch) from `o`; returns the end. */
function encodeRange(
  t: SymbolTable,
  offsets: Int32Array,
  data: Uint8Array,
  from: number,
  to: number,
  o: number,
  elens: Int32Array,
): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let b = from; b < to; b += BLOCK) {
    const e = Math.min(to, b + BLOCK);
    const out = codeBuffer(o + 2 * (offsets[e]! - offsets[b]!), o);
    o = encodeRows(t, offsets, data, view, b, e, out, o, elens);
  }
  return o;
}

function writeTable(w: ByteWriter, t: SymbolTable): void {
  w.u8(t.count);
  w.write(t.len.subarray(0, t.count));
  for (let k = 0; k < t.count; k++) {
    const len = t.len[k]!;
    for (let j = 0; j < len; j++) w.u8(j < 4 ? (t.lo[k]! >>> (8 * j)) & 0xff : (t.hi[k]! >>> (8 * (j - 4))) & 0xff);
  }
}

function tableBytes(t: SymbolTable): number {
  let size = 1 + t.count;
  for (let k = 0; k < t.count; k++) size += t.len[k]!;
  return size;
}

/** Writes rows [0, n) as an fsst payload, with `table` or one built from a sample of the rows. */
export function encodeFsst(type: DataType, values: Values, n: number, w: ByteWriter, depth: number, nest: Nest, table?: SymbolTable): void {
  const { offsets, data } = bytesOf(type, values);
  const t = table ?? buildSymbolTable(offsets, data, n);
  w.u32(offsets[n]! - offsets[0]!);
  writeTable(w, t);
  const elens = new Int32Array(n);
  const end = encodeRange(t, offsets, data, 0, n, 0, elens);
  nest.write(w, 'uint32', { kind: 'fixed', data: elens }, n, depth + 1);
  w.write(codeScratch.subarray(0, end));
}

// ---- decoding ----------------------------------------------------------------------------------

/** Cursor state between decode blocks: code position, output position (both ≤ 2^31 − 1). */
const cursor = new Int32Array(2);

/**
 * Decodes rows [from, to). Each symbol is written as 8 bytes (two int32 stores) and the output
 * advances by its length; `o ≤ total` before every store and `out` has 8 bytes past `total`, so no
 * store leaves the buffer whatever the codes say.
 */
function decodeRows(
  codes: Uint8Array,
  elens: Uint32Array,
  from: number,
  to: number,
  view: DataView,
  out: Uint8Array,
  total: number,
  symLo: Int32Array,
  symHi: Int32Array,
  symLen: Uint8Array,
  offsets: Int32Array,
  what: string,
): void {
  let p = cursor[0]!;
  let o = cursor[1]!;
  for (let i = from; i < to; i++) {
    const end = p + elens[i]!;
    while (p < end) {
      const c = codes[p++]!;
      const len = symLen[c]!;
      if (len !== 0) {
        view.setInt32(o, symLo[c]!, true);
        view.setInt32(o + 4, symHi[c]!, true);
        o += len;
      } else {
        if (c !== ESCAPE || p === end) throw badCode(what, c, p - 1, i);
        out[o++] = codes[p++]!;
      }
      if (o > total) throw corrupt(`${what}: fsst codes decode to more than the ${total} bytes the payload declares (row ${i})`);
    }
    offsets[i + 1] = o;
  }
  cursor[0] = p;
  cursor[1] = o;
}

function badCode(what: string, c: number, at: number, row: number): Error {
  return c === ESCAPE
    ? corrupt(`${what}: fsst escape at code offset ${at} is the last byte of row ${row}; expected a literal after it`)
    : corrupt(`${what}: fsst code ${c} at code offset ${at} (row ${row}) is not a symbol; the table has fewer symbols`);
}

export function decodeFsst(type: DataType, r: ByteReader, n: number, depth: number, nest: Nest): Values {
  const total = r.u32();
  check(
    total <= MAX_BYTES_LENGTH,
    `${r.what}: fsst ${type} values declare ${total} bytes, more than the ${MAX_BYTES_LENGTH} a column slice can hold`,
  );
  const count = r.u8(); // ≤ 255: codes 0..254 are symbols, so a symbol code never equals the escape
  const lens = r.take(count);
  // Symbols padded to 8 bytes, as (lo, hi) words; length 0 marks the escape and unused codes.
  const padded = new Uint8Array(8 * 256);
  const symLen = new Uint8Array(256);
  let at = 0;
  for (let k = 0; k < count; k++) {
    const len = lens[k]!;
    check(len >= 1 && len <= MAX_SYMBOL_LENGTH, `${r.what}: fsst symbol ${k} is ${len} bytes long; expected 1..${MAX_SYMBOL_LENGTH}`);
    symLen[k] = len;
    at += len;
  }
  const symbols = r.take(at);
  at = 0;
  for (let k = 0; k < count; k++) {
    padded.set(symbols.subarray(at, at + symLen[k]!), 8 * k);
    at += symLen[k]!;
  }
  const words = new Int32Array(padded.buffer);
  const symLo = new Int32Array(256);
  const symHi = new Int32Array(256);
  for (let k = 0; k < count; k++) {
    symLo[k] = words[2 * k]!;
    symHi[k] = words[2 * k + 1]!;
  }

  const elens = readLengths(nest, r, n, depth + 1);
  let coded = 0;
  for (let i = 0; i < n; i++) coded += elens[i]!;
  check(coded <= r.remaining, `${r.what}: fsst encoded lengths sum to ${coded} bytes but ${r.remaining} remain`);
  check(
    total <= MAX_SYMBOL_LENGTH * coded,
    `${r.what}: fsst values declare ${total} bytes but ${coded} code bytes expand to at most ${MAX_SYMBOL_LENGTH * coded}`,
  );
  const codes = r.take(coded);

  const buffer = new ArrayBuffer(total + 8);
  const out = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const offsets = new Int32Array(n + 1);
  cursor[0] = 0;
  cursor[1] = 0;
  for (let b = 0; b < n; b += BLOCK) {
    decodeRows(codes, elens, b, Math.min(n, b + BLOCK), view, out, total, symLo, symHi, symLen, offsets, r.what);
  }
  check(cursor[1] === total, `${r.what}: fsst codes decode to ${cursor[1]} bytes, the payload declares ${total}`);
  return { kind: 'bytes', offsets, data: out.subarray(0, total) };
}

// ---- selection ---------------------------------------------------------------------------------

/** Smallest chunk (value bytes) for which a symbol table of up to ~2.3 KB can pay off. */
export const FSST_MIN_BYTES = 4096;
/** Value bytes compressed both ways to decide: up to 4 runs of consecutive rows (rows cut to fit). */
const PROBE_BYTES = 64 * 1024;
const PROBE_RUNS = 4;
const PROBE_ROWS = 16 * 1024;
/** fsst must be at least this much smaller after zstd than plain. */
const MIN_SAVING = 0.95;

export interface FsstPlan {
  table: SymbolTable;
  /** Estimated payload size (before zstd). */
  size: number;
  /** Code bytes per value byte on the sample: how well the table fits these values. */
  ratio: number;
}

const probeBytes = new Uint8Array(PROBE_BYTES);
const probeOffsets = new Int32Array(PROBE_ROWS + 1);

interface Sample {
  rows: number;
  bytes: number;
  maxLen: number;
}

/** Copies up to `budget` value bytes of rows [0, n) into probeBytes/probeOffsets: `runs` runs of
 *  consecutive rows spread over the chunk, so zstd sees the local repetition it would see. */
function takeSample(offsets: Int32Array, data: Uint8Array, n: number, budget: number): Sample {
  const total = offsets[n]! - offsets[0]!;
  const runs = total <= budget ? 1 : PROBE_RUNS;
  const perRun = budget / runs;
  let rows = 0;
  let bytes = 0;
  let maxLen = 0;
  for (let k = 0; k < runs; k++) {
    const stop = Math.floor(((k + 1) * n) / runs);
    const runEnd = bytes + perRun;
    for (let i = Math.floor((k * n) / runs); i < stop && bytes < runEnd && rows < PROBE_ROWS; i++) {
      const s = offsets[i]!;
      const full = offsets[i + 1]! - s;
      const len = Math.min(full, runEnd - bytes);
      if (len > 32) probeBytes.set(data.subarray(s, s + len), bytes);
      else for (let j = 0; j < len; j++) probeBytes[bytes + j] = data[s + j]!;
      bytes += len;
      if (full > maxLen) maxLen = full;
      probeOffsets[++rows] = bytes;
    }
  }
  return { rows, bytes, maxLen };
}

/** Encodes the sample with `t`; returns the code bytes (in codeScratch) and the longest row's codes. */
function codeSample(t: SymbolTable, rows: number): { coded: number; maxCoded: number } {
  const elens = scratchI32(rows);
  const coded = encodeRange(t, probeOffsets, probeBytes, 0, rows, 0, elens);
  let maxCoded = 0;
  for (let i = 0; i < rows; i++) if (elens[i]! > maxCoded) maxCoded = elens[i]!;
  return { coded, maxCoded };
}

/** Payload size estimate for n rows whose sample of `bytes` value bytes coded to `coded` bytes. */
function payloadSize(t: SymbolTable, total: number, n: number, bytes: number, coded: number, maxCoded: number): number {
  return Math.ceil(coded * (total / bytes) + tableBytes(t) + 4 + 10 + (n * bitLength32(maxCoded)) / 8);
}

/**
 * Whether fsst pays for rows [0, n): builds the symbol table, then zstd-compresses a sample of rows
 * as plain bytes and as fsst codes and returns the plan only when fsst is smaller by MIN_SAVING
 * (scaled to the chunk, counting the table and the length blocks). Null otherwise.
 */
export function planFsst(offsets: Int32Array, data: Uint8Array, n: number): FsstPlan | null {
  const total = offsets[n]! - offsets[0]!;
  if (total < FSST_MIN_BYTES) return null;
  const t = buildSymbolTable(offsets, data, n);
  if (t.count === 0) return null;
  const { rows, bytes, maxLen } = takeSample(offsets, data, n, PROBE_BYTES);
  if (bytes === 0) return null;
  const { coded, maxCoded } = codeSample(t, rows);
  const level = DEFAULT_COMPRESSION_LEVEL;
  const zPlain = compressBody(probeBytes.subarray(0, bytes), level).bytes.length;
  const zFsst = compressBody(codeScratch.subarray(0, coded), level).bytes.length;
  // Per row, the length blocks cost about their bit width (bit packed by `for`); zstd barely helps.
  const scale = total / bytes;
  const table = tableBytes(t);
  const plainSize = zPlain * scale + (n * bitLength32(maxLen)) / 8;
  const fsstSize = zFsst * scale + (n * bitLength32(maxCoded)) / 8 + table;
  if (fsstSize > plainSize * MIN_SAVING) return null;
  return { table: t, size: payloadSize(t, total, n, bytes, coded, maxCoded), ratio: coded / bytes };
}

/** zstd bytes per value byte of a small sample of rows [0, n) (RECHECK_BYTES): a cheap fingerprint of
 *  how repetitive the values are, to tell whether "fsst does not pay" still holds for later chunks. */
export function plainSampleRatio(offsets: Int32Array, data: Uint8Array, n: number): number {
  const { bytes } = takeSample(offsets, data, n, RECHECK_BYTES);
  if (bytes === 0) return 1;
  return compressBody(probeBytes.subarray(0, bytes), DEFAULT_COMPRESSION_LEVEL).bytes.length / bytes;
}

/** Value bytes coded to check that an earlier chunk's table still fits (a quarter of the full probe). */
const RECHECK_BYTES = 16 * 1024;

/**
 * Reuses `table`, which a full trial (planFsst) chose for earlier rows with code ratio `ratio`, when
 * it codes a small sample of rows [0, n) at most `slack` times worse: no training and no zstd probe.
 * Null when it does not fit (the caller then runs the full trial).
 */
export function recheckFsst(
  offsets: Int32Array,
  data: Uint8Array,
  n: number,
  table: SymbolTable,
  ratio: number,
  slack: number,
): FsstPlan | null {
  const total = offsets[n]! - offsets[0]!;
  if (total < FSST_MIN_BYTES) return null;
  const { rows, bytes } = takeSample(offsets, data, n, RECHECK_BYTES);
  if (bytes === 0) return null;
  const sample = codeSample(table, rows);
  const r = sample.coded / bytes;
  if (r > ratio * slack) return null;
  // The length blocks are sized for the longest row seen by the sample; the encoder packs the real ones.
  return { table, size: payloadSize(table, total, n, bytes, sample.coded, sample.maxCoded), ratio };
}

export const fsst: ValueEncoding<'fsst', { fsst?: SymbolTable }> = {
  name: 'fsst',
  applies: (p) => p === 'bytes',
  encode: (type, values, n, w, depth, plan, nest) => encodeFsst(type, values, n, w, depth, nest, plan.fsst),
  decode: decodeFsst,
};
