// The fuzz targets: what each one feeds a mutated input to, the valid inputs it starts from, the
// tokens of its syntax, and the oracle — which errors are the typed refusal the caller is promised
// (NCFError from the engine, an HttpProblem with a 4xx status from the service layer). Anything else
// thrown is a crasher.

import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { decode, encode } from '@msgpack/msgpack';
import { BufferSink, NCFError, NCFReader, NCFWriter, type ColumnSchema } from '../../src/index.js';
import { HttpProblem, badRequest, errorProblem } from '../../src/http/errors.js';
import { decodeFooter } from '../../src/format/footer.js';
import { MAX_CHUNK_BYTES, MAX_ROW_GROUP_ROWS, TAIL_LENGTH } from '../../src/format/constants.js';
import { columnsToRecordBatch, schemaToArrow } from '../../src/format/arrow.js';
import { decodeChunk } from '../../src/format/chunk.js';
import { bitmapBytes } from '../../src/format/column.js';
import { ENCODINGS, encodeAs } from '../../src/format/encodings/index.js';
import { jsToColumn } from '../../src/format/js-column.js';
import { DATA_TYPES, type DataType } from '../../src/format/schema.js';
import { bindFilter } from '../../src/format/filter/index.js';
import { bufferSource, readInput, type Format } from '../../src/ingest/index.js';
import { checkColumns, parseQueryBody, parseRowsQuery, type QueryRequest } from '../../src/query/params.js';
import { csvBatch, ndjsonBatch } from '../../src/query/output/text.js';
import type * as arrow from 'apache-arrow';
import type { Target } from './target.js';
import { uploadBodyTarget } from './upload-target.js';

export type { Target } from './target.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const utf8 = new TextDecoder('utf-8', { fatal: false });

// --- NCF files --------------------------------------------------------------------------------------

async function writeFile(columns: ColumnSchema[], data: Record<string, unknown[]>, rowGroupRows: number): Promise<Uint8Array> {
  const sink = new BufferSink();
  const w = await NCFWriter.open(sink, { schema: columns, rowGroupRows, tableName: 'fuzz', metadata: { origin: 'fuzz seed' } });
  await w.write(data);
  await w.close();
  return sink.result!;
}

/** Small files covering every type and most encodings (plain, dict, rle, for, delta, bss, fsst), raw and zstd chunks. */
export async function ncfSeeds(): Promise<Uint8Array[]> {
  const n = 100;
  const seq = (f: (i: number) => unknown, len = n): unknown[] => Array.from({ length: len }, (_, i) => f(i));
  const a = await writeFile(
    [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'name', type: 'string', nullable: true },
      { name: 'x', type: 'float64', nullable: false },
      { name: 'big', type: 'int64', nullable: true },
      { name: 'flag', type: 'bool', nullable: true },
      { name: 'day', type: 'date', nullable: false },
      { name: 'ts', type: 'timestamp', nullable: false, unit: 'ms', timezone: 'UTC' },
    ],
    {
      id: seq((i) => i),
      name: seq((i) => (i % 9 === 0 ? null : `name ${i % 17}`)),
      x: seq((i) => ((i * 7919) % 101) / 4),
      big: seq((i) => (i % 11 === 0 ? null : BigInt(i) * 1234567890123n)),
      flag: seq((i) => (i % 5 === 0 ? null : i % 2 === 0)),
      day: seq((i) => 19000 + (i >> 3)),
      ts: seq((i) => 1_700_000_000_000n + BigInt(i) * 1000n),
    },
    40,
  );
  const b = await writeFile(
    [
      { name: 'k', type: 'uint8', nullable: false },
      { name: 'c', type: 'int16', nullable: false },
      { name: 'u', type: 'uint64', nullable: false },
      { name: 'f', type: 'float32', nullable: true },
      { name: 'bin', type: 'binary', nullable: true },
      { name: 'u32', type: 'uint32', nullable: false },
    ],
    {
      k: seq(() => 7, 30),
      c: seq((i) => (i < 15 ? -3 : 4), 30),
      u: seq((i) => 2n ** 63n + BigInt(i), 30),
      f: seq((i) => (i % 4 === 0 ? null : i / 8), 30),
      bin: seq((i) => (i % 3 === 0 ? null : Uint8Array.of(i, i + 1, 255)), 30),
      u32: seq((i) => 4_000_000_000 + i * 3, 30),
    },
    30,
  );
  // Long repetitive text: chunks large enough to be zstd-compressed, and fsst candidates.
  const c = await writeFile(
    [
      { name: 'url', type: 'string', nullable: false },
      { name: 'n', type: 'int64', nullable: false },
    ],
    {
      url: seq((i) => `https://example.com/flights/${i % 13}/details?origin=SFO&dest=LAX&seq=${i}`, 400),
      n: seq((i) => BigInt(i * 3), 400),
    },
    200,
  );
  return [a, b, c];
}

/** Reads everything an NCF file offers: footer, statistics, a pruning plan, every column of every
 *  row group, a filtered projection, and the checksum. */
async function readEverything(file: Uint8Array): Promise<void> {
  const reader = await NCFReader.open(file);
  reader.stats();
  const t = await reader.read();
  if (t.numRows !== reader.rowCount) throw new Error(`read ${t.numRows} rows, footer says ${reader.rowCount}`);
  for (const batch of t.batches) render(batch);
  const first = reader.columns[0]!;
  if (first.type !== 'binary') {
    const value = first.type === 'string' ? 'name 3' : first.type === 'bool' ? 'true' : '3';
    reader.plan(`${first.name}=gte.${value}`);
    await reader.read({ where: `${first.name}=gte.${value}`, columns: [first.name], limit: 50 });
  }
  await reader.validateChecksum();
  await reader.close();
}

/** Makes a mutated file's checksums true again (chunk CRCs, footer CRC, SHA-256) so the mutation
 *  reaches the footer validation and the decoders instead of stopping at a checksum. Never throws:
 *  what it cannot repair it leaves as it is. */
export function repairChecksums(file: Uint8Array): Uint8Array {
  if (file.length < TAIL_LENGTH + 8) return file;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const footerLength = view.getUint32(file.length - TAIL_LENGTH, true);
  const footerOffset = file.length - TAIL_LENGTH - footerLength;
  let data: Uint8Array;
  let footer: Uint8Array;
  if (footerOffset >= 8) {
    data = file.subarray(0, footerOffset);
    footer = file.subarray(footerOffset, file.length - TAIL_LENGTH);
    try {
      const meta = decode(footer) as { rowGroups?: { chunks?: { offset?: unknown; length?: unknown; hash?: unknown }[] }[] };
      let changed = false;
      for (const rg of Array.isArray(meta?.rowGroups) ? meta.rowGroups : []) {
        for (const c of Array.isArray(rg?.chunks) ? rg.chunks : []) {
          if (c && Number.isSafeInteger(c.offset) && Number.isSafeInteger(c.length)) {
            const off = c.offset as number,
              len = c.length as number;
            if (off >= 0 && len >= 0 && off + len <= data.length) {
              c.hash = crc32(data.subarray(off, off + len)) >>> 0;
              changed = true;
            }
          }
        }
      }
      if (changed) footer = encode(meta);
    } catch {
      // Not msgpack any more: keep the mutated bytes, fix only the footer CRC and the hash.
    }
  } else {
    return file;
  }
  return assembleFile(data, footer, file);
}

/** A file of these data bytes and footer, with a true tail (footer length and CRC, then the version
 *  and magic of `like`) and SHA-256. */
export function assembleFile(data: Uint8Array, footer: Uint8Array, like: Uint8Array): Uint8Array {
  const body = new Uint8Array(data.length + footer.length + 16);
  body.set(data);
  body.set(footer, data.length);
  const bv = new DataView(body.buffer);
  bv.setUint32(data.length + footer.length, footer.length, true);
  bv.setUint32(data.length + footer.length + 4, crc32(footer) >>> 0, true);
  body.set(like.subarray(like.length - 40, like.length - 32), data.length + footer.length + 8);
  const out = new Uint8Array(body.length + 32);
  out.set(body);
  out.set(createHash('sha256').update(body).digest(), body.length);
  return out;
}

/** The footer bytes of a well-formed file. */
export function footerOf(file: Uint8Array): Uint8Array {
  const len = new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(file.length - TAIL_LENGTH, true);
  return file.slice(file.length - TAIL_LENGTH - len, file.length - TAIL_LENGTH);
}

// --- single chunks ----------------------------------------------------------------------------------

/** A chunk input: type index, encoding index, flags (bit 0: nullable), rows u16, nulls u16, then the
 *  stored body (codec none; its CRC is computed here, so every byte reaches the decoders). */
function chunkInput(type: DataType, encoding: string, n: number, nulls: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(7 + body.length);
  out[0] = DATA_TYPES.indexOf(type);
  out[1] = (ENCODINGS as readonly string[]).indexOf(encoding);
  out[2] = nulls > 0 ? 1 : 0;
  new DataView(out.buffer).setUint16(3, n, true);
  new DataView(out.buffer).setUint16(5, nulls, true);
  out.set(body, 7);
  return out;
}

function sampleValues(type: DataType, n: number): unknown[] {
  return Array.from({ length: n }, (_, i) => {
    switch (type) {
      case 'bool':
        return i % 3 === 0;
      case 'string':
        return `v${i % 4}${'x'.repeat(i % 3)}`;
      case 'binary':
        return Uint8Array.of(i % 5, 0xff);
      case 'float32':
      case 'float64':
        return i % 4 === 0 ? 0.5 : i * 1.25;
      case 'int64':
      case 'uint64':
      case 'timestamp':
        return BigInt((i % 6) * 1000 + 7);
      case 'date':
        return 19000 + (i % 6);
      default:
        return (i % 6) * 10 + 1;
    }
  });
}

/** Every encoding that applies to each type, without and with nulls. */
function chunkSeeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const type of DATA_TYPES) {
    for (const withNulls of [false, true]) {
      const n = 19;
      const raw = sampleValues(type, n).map((v, i) => (withNulls && i % 4 === 1 ? null : v));
      const col = { name: 'c', type, nullable: withNulls, ...(type === 'timestamp' ? { unit: 'us' as const } : {}) };
      const data = jsToColumn(raw, null, n, col);
      for (const enc of ENCODINGS) {
        let payload: Uint8Array;
        try {
          payload = encodeAs(enc, type, data.values, n);
        } catch {
          continue; // the encoding does not apply to this type or data
        }
        const bitmap = data.validity !== null && data.nullCount > 0 ? data.validity.subarray(0, bitmapBytes(n)) : new Uint8Array(0);
        const body = new Uint8Array(bitmap.length + payload.length);
        body.set(bitmap);
        body.set(payload, bitmap.length);
        out.push(chunkInput(type, enc, n, data.nullCount, body));
      }
    }
  }
  return out;
}

/** Decodes one chunk as the reader does, then converts it to Arrow and reads every value. */
async function decodeOneChunk(input: Uint8Array): Promise<void> {
  if (input.length < 7) return;
  const type = DATA_TYPES[input[0]! % DATA_TYPES.length]!;
  const encoding = ENCODINGS[input[1]! % ENCODINGS.length]!;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const n = view.getUint16(3, true);
  const nulls = view.getUint16(5, true);
  const body = input.subarray(7);
  const col = { name: 'c', type, nullable: (input[2]! & 1) === 1, ...(type === 'timestamp' ? { unit: 'us' as const } : {}) };
  const meta = { offset: 8, length: body.length, rawLength: body.length, encoding, codec: 'none', hash: crc32(body) >>> 0, nulls };
  const data = decodeChunk(col, meta, body, n, 'fuzzed chunk');
  render(columnsToRecordBatch(schemaToArrow([col]), [col], [data], n));
}

/** Renders a batch as the service answers (NDJSON, CSV with csvSafe); every NDJSON line must parse. */
function render(batch: arrow.RecordBatch): void {
  csvBatch(batch, true);
  const lines = ndjsonBatch(batch)
    .split('\n')
    .filter((l) => l !== '');
  if (lines.length !== batch.numRows) throw new Error(`NDJSON has ${lines.length} lines for ${batch.numRows} rows`);
  for (const l of lines) JSON.parse(l);
}

const isNcfError = (e: unknown): boolean => e instanceof NCFError;

// --- service-layer oracles --------------------------------------------------------------------------

/** A refusal the service turns into a 4xx: an HttpProblem below 500, or an engine error that maps to one. */
function clientRefusal(phase: 'upload' | 'query') {
  return (e: unknown): boolean => {
    if (e instanceof HttpProblem) return e.status >= 400 && e.status < 500;
    if (e instanceof NCFError) {
      const s = errorProblem(e, phase)!.status;
      return s >= 400 && s < 500;
    }
    return false;
  };
}

// --- uploads ----------------------------------------------------------------------------------------

/** Parses an upload as the service does, writes it as NCF, and reads the file back. */
async function ingest(format: Format, input: Uint8Array): Promise<void> {
  const sink = new BufferSink();
  const writer = await NCFWriter.open(sink, { tableName: 'fuzz', rowGroupRows: 64 });
  let rows = 0;
  try {
    for await (const batch of readInput(format, bufferSource(input), { batchRows: 50 })) {
      rows += batch.numRows;
      await writer.write(batch);
    }
    await writer.close();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  const reader = await NCFReader.open(sink.result!);
  const t = await reader.read();
  if (t.numRows !== rows) throw new Error(`wrote ${rows} rows, read back ${t.numRows}`);
  for (const batch of t.batches) render(batch);
}

const CSV_SEEDS = [
  'id,name,delay,date,ts,ok\n1,SFO,12,2024-01-02,2024-01-02T10:00:00Z,true\n2,"LA, X",-5,2024-02-01,2024-02-01T11:30:00.5Z,false\n3,,,,,\n',
  'a;b;c\r\n"quoted ""x""";1.5;\r\n"multi\nline";-2e10;x\r\n',
  'col\tother\n=SUM(A1:A2)\t+1\n-2\t@cmd\n',
  'ünïcødé,名前,"sp ace"\n1,2,3\n4,5,6\n',
  'big,f\n9223372036854775807,NaN\n-9223372036854775808,1e308\n',
];
const NDJSON_SEEDS = [
  '{"id":1,"name":"SFO","delay":12.5,"ok":true,"tags":["a","b"]}\n{"id":2,"name":null,"delay":-3,"ok":false,"nested":{"x":1}}\n\n{"id":9007199254740993,"name":"x"}\n',
  '{"__proto__":{"polluted":1},"a":1}\n{"constructor":{"prototype":{"polluted":2}},"a":2}\n',
  '{"a":"=cmd|\' /C calc\'!A0","b":"+1","c":"-2","d":"@x"}\n',
];
const JSON_SEEDS = [
  '[{"id":1,"name":"SFO","delay":12.5,"ok":true},{"id":2,"name":null,"delay":-3,"ok":false,"o":{"x":[1,2]}}]',
  '[\n  {"a": "b\\"c\\\\", "n": 1e3},\n  {"a": "\\u00e9\\ud83d\\ude00", "n": -0}\n]\n',
  '[{"__proto__":{"polluted":1},"x":1},{"constructor":{"prototype":{"polluted":2}},"x":2}]',
];
const JSON_PAIRS = (
  [
    ['[', ']'],
    ['{"a":', '}'],
    ['[1,', ']'],
  ] as const
).map(([a, b]) => [text(a), text(b)] as const);
const JSON_TOKENS = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ':',
  ',',
  'null',
  'true',
  '1e999',
  '-0',
  '9007199254740993',
  '"__proto__"',
  '\\u0000',
  '\\ud800',
  '\n',
  '{"":1}',
];

// --- queries ----------------------------------------------------------------------------------------

const QUERY_SEEDS = [
  'select=id,name&id=gt.3&name=like.name*&order=x.desc.nullsfirst,id&limit=10&offset=2',
  'or=(id.lt.5,and(x.gte.2.5,name.in.("name 1","name,2")))&flag=is.true&big=not.is.null',
  'day=gte.2022-01-03&ts=lt.2023-11-14T22:13:20.050Z&name=ilike.*E%205*&format=csv&csvSafe=true',
  'not.and=(id.eq.1,x.neq.0)&big=in.(1234567890123,-1)&version=1',
  'select=name&name=eq."quoted \\"x\\""&id=not.in.(1,2,3)',
];
const QUERY_TOKENS = [
  '=',
  '&',
  '.',
  ',',
  '(',
  ')',
  '"',
  '\\',
  '%',
  '%00',
  '%2e%2e%2f',
  'eq.',
  'in.(',
  'or=(',
  'and(',
  'not.',
  'is.null',
  'like.',
  '*',
  'select=',
  'order=',
  'limit=',
  '-1',
  '1e400',
  '__proto__',
  'constructor',
];

const BODY_SEEDS = [
  '{"select":["id","name"],"where":{"and":[{"column":"id","op":"gt","value":3},{"or":[{"column":"name","op":"in","value":["name 1",null]},{"not":{"column":"flag","op":"is","value":null}}]}]},"order":[{"column":"x","desc":true,"nulls":"last"}],"limit":10,"offset":1}',
  '{"where":{"column":"name","op":"like","value":"name%"},"select":"id,name","order":"id.desc"}',
  '{"where":{"column":"ts","op":"gte","value":"2023-11-14T22:13:20Z"},"version":1}',
  '{"where":{"not":{"column":"big","op":"in","value":[1,null,-1]}},"limit":0,"offset":3}',
];

let queryFile: Promise<NCFReader> | null = null;

/** Runs a parsed query against a small file: column checks, binding, pruning, the scan itself. */
async function runQuery(q: QueryRequest): Promise<void> {
  const reader = await (queryFile ??= ncfSeeds().then(([a]) => NCFReader.open(a!)));
  checkColumns(q.spec, reader.columns);
  if (q.spec.where !== null) bindFilter(q.spec.where, reader.columns);
  const opts: Parameters<NCFReader['read']>[0] = { where: q.spec.where, offset: q.spec.offset };
  if (q.spec.select !== null) opts.columns = q.spec.select;
  if (q.spec.limit !== null) opts.limit = q.spec.limit;
  await reader.read(opts);
}

// --- the list ---------------------------------------------------------------------------------------

/** A target with planted bugs, to prove the harness catches each kind of crasher (fuzz.test.ts): the
 *  byte pair 01 01 throws a TypeError, 02 02 blocks the event loop, 03 03 never settles, 04 04
 *  pollutes Object.prototype; other inputs are accepted, or refused with an NCFError (odd lengths). */
export function harnessCheckTarget(): Target {
  const has = (input: Uint8Array, b: number): boolean =>
    Buffer.from(input.buffer, input.byteOffset, input.length).includes(Buffer.of(b, b));
  return {
    name: 'harness-check',
    about: 'planted bugs (not a real target)',
    seeds: [text('seed input'), text('another one!')],
    maxLength: 256,
    run: async (input) => {
      if (has(input, 0x01)) throw new TypeError('planted TypeError');
      if (has(input, 0x02)) {
        const end = Date.now() + 60_000;
        while (Date.now() < end);
      }
      if (has(input, 0x03)) await new Promise(() => {});
      if (has(input, 0x04)) (Object.prototype as Record<string, unknown>).plantedPollution = 1;
      if (input.length % 2 === 1) throw new NCFError('INPUT', 'odd length');
    },
    expected: isNcfError,
  };
}

export async function makeTargets(): Promise<Target[]> {
  const files = await ncfSeeds();
  const footers = files.map(footerOf);
  const ncfTokens = [
    text('NCF1'),
    ...['offset', 'length', 'rawLength', 'rows', 'nulls', 'hash', 'codec', 'zstd', 'encoding', 'dict', 'rle', '__proto__'].map((k) =>
      encode(k),
    ),
  ];
  return [
    {
      name: 'ncf-reader',
      about: 'NCFReader.open + read every column of every row group + filtered read + validateChecksum, raw mutated bytes',
      seeds: files,
      dictionary: ncfTokens,
      maxLength: 64 << 10,
      run: readEverything,
      expected: isNcfError,
    },
    {
      name: 'ncf-reader-repaired',
      about: 'the same after the mutation with chunk CRCs, footer CRC and SHA-256 recomputed, so decoders see the mutation',
      seeds: files,
      dictionary: ncfTokens,
      maxLength: 64 << 10,
      run: (input) => readEverything(repairChecksums(input)),
      expected: isNcfError,
    },
    {
      name: 'chunk',
      about:
        'decodeChunk (validity bitmap + every encoding, nested) → Arrow → every value, for each type; CRC computed, so every byte counts',
      seeds: chunkSeeds(),
      maxLength: 4 << 10,
      run: decodeOneChunk,
      expected: isNcfError,
    },
    {
      name: 'footer',
      about: 'decodeFooter: the msgpack decoder and footer validation, mutated footer bytes',
      seeds: footers,
      dictionary: ncfTokens,
      maxLength: 16 << 10,
      run: async (input) => {
        decodeFooter(input, 1 << 20, { maxChunkBytes: MAX_CHUNK_BYTES, maxRowGroupRows: MAX_ROW_GROUP_ROWS });
      },
      expected: isNcfError,
    },
    {
      name: 'csv',
      about: 'CSV upload: readInput("csv") → NCFWriter → read back',
      seeds: CSV_SEEDS.map(text),
      dictionary: ['"', ',', ';', '\t', '\r\n', '\n', '\r', '""', '=', '\xff', '\u00e9'].map(text),
      maxLength: 16 << 10,
      run: (input) => ingest('csv', input),
      expected: clientRefusal('upload'),
    },
    {
      name: 'ndjson',
      about: 'NDJSON upload: readInput("ndjson") → NCFWriter → read back',
      seeds: NDJSON_SEEDS.map(text),
      dictionary: JSON_TOKENS.map(text),
      pairs: JSON_PAIRS,
      maxLength: 64 << 10,
      run: (input) => ingest('ndjson', input),
      expected: clientRefusal('upload'),
    },
    {
      name: 'json',
      about: 'JSON array upload: readInput("json") → NCFWriter → read back',
      seeds: JSON_SEEDS.map(text),
      dictionary: JSON_TOKENS.map(text),
      pairs: JSON_PAIRS,
      maxLength: 64 << 10,
      run: (input) => ingest('json', input),
      expected: clientRefusal('upload'),
    },
    {
      name: 'query-string',
      about: 'GET /rows query string: parseRowsQuery → checkColumns → bindFilter → filtered read of a small file',
      seeds: QUERY_SEEDS.map(text),
      dictionary: QUERY_TOKENS.map(text),
      maxLength: 16 << 10,
      pairs: [
        [text('and('), text(')')],
        [text('not.or('), text(')')],
        [text('('), text(')')],
      ],
      run: (input) => runQuery(parseRowsQuery(utf8.decode(input))),
      expected: clientRefusal('query'),
    },
    {
      name: 'query-body',
      about: "POST /query JSON body: JSON.parse (invalid JSON is the body parser's 400) → parseQueryBody → bind → read",
      seeds: BODY_SEEDS.map(text),
      dictionary: JSON_TOKENS.map(text),
      maxLength: 64 << 10,
      pairs: [...JSON_PAIRS, [text('{"not":'), text('}')], [text('{"and":['), text(']}')]],
      run: async (input) => {
        let body: unknown;
        try {
          body = JSON.parse(utf8.decode(input));
        } catch {
          throw badRequest('the body is not valid JSON'); // what Fastify's JSON parser answers
        }
        await runQuery(parseQueryBody(body, ''));
      },
      expected: clientRefusal('query'),
    },
    uploadBodyTarget(),
  ];
}
