// Answers that were wrong or malformed (issue #10, cases 9 output half, 14, 15, 16 csvSafe), against
// the real server process:
//  - a table of many ~1 MB text values (JSON escaping makes each 6 MB) is readable in every format and
//    equals the generating formula (the text renderers built one string per 8192 rows: "Invalid
//    string length");
//  - a float histogram over ±1.8e308 has finite edges and counts every value;
//  - problem members never overwrite the standard ones (a string column's histogram said
//    {"type":"string"});
//  - every route of openapi.yaml asked with `Accept: image/png` answers 406 (or, for the pages and
//    static files, its documented answer), and Accept's q-values and wildcards are honoured;
//  - csvSafe guards formulas behind leading blanks and control characters, in cells and header.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, truncate } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as arrow from 'apache-arrow';
import { parse as parseCsv } from 'csv-parse/sync';
import { NCFWriter, type ColumnSchema } from '../../src/index.js';
import { parquetWasm } from '../../src/formats/parquet-wasm.js';
import { newFileKey } from '../../storage/keys.js';
import { openStorage } from '../../storage/open.js';
import { api, assertProblem, openapi, ROOT, startServer, type Server } from '../support/server.js';

/** 100 values of 1 MiB of control characters: 600 MB of JSON text, past V8's longest string. */
const LARGE_ROWS = 100;
const LARGE_CHARS = 1 << 20;
const largeValue = (i: number): string => String.fromCharCode(1 + (i % 5)).repeat(LARGE_CHARS - i);

/** Writes table `large` (id int32, s string) straight into the data directory with the engine, as
 *  a stored table the upload limits would no longer let in could have been. */
async function storeLargeTable(dataDir: string): Promise<void> {
  const storage = await openStorage({ dataDir });
  try {
    const columns: ColumnSchema[] = [
      { name: 'id', type: 'int32', nullable: false },
      { name: 's', type: 'string', nullable: false },
    ];
    const tableId = storage.catalog.newTableId();
    const key = newFileKey(tableId);
    const w = await NCFWriter.open(await storage.blobs.createSink(key), { schema: columns, tableName: 'large', rowGroupRows: 128 });
    await w.write({ id: Array.from({ length: LARGE_ROWS }, (_, i) => i), s: Array.from({ length: LARGE_ROWS }, (_, i) => largeValue(i)) });
    const s = await w.close();
    await storage.catalog.commit({ table: 'large', operation: 'create', columns, file: { key, rows: s.rows, bytes: s.bytes }, tableId });
  } finally {
    await storage.close();
  }
}

const MULTI_ROWS = 1_000_000;
let multiKey = '';

/** Table `multi`: 1M rows (id, x) in row groups of 10,000, a 30 MB NDJSON answer. */
async function storeMultiTable(dataDir: string): Promise<void> {
  const storage = await openStorage({ dataDir });
  try {
    const columns: ColumnSchema[] = [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'x', type: 'float64', nullable: false },
    ];
    const tableId = storage.catalog.newTableId();
    multiKey = newFileKey(tableId);
    const w = await NCFWriter.open(await storage.blobs.createSink(multiKey), { schema: columns, tableName: 'multi', rowGroupRows: 10_000 });
    const id = Int32Array.from({ length: MULTI_ROWS }, (_, i) => i);
    await w.write({ id, x: Float64Array.from(id, (i) => i / 3) });
    const s = await w.close();
    await storage.catalog.commit({
      table: 'multi',
      operation: 'create',
      columns,
      file: { key: multiKey, rows: s.rows, bytes: s.bytes },
      tableId,
    });
  } finally {
    await storage.close();
  }
}

/** Streams a GET answer through `sink` (never holding it whole); resolves with the status. */
function streamGet(url: string, sink: (chunk: Buffer) => void): Promise<{ status: number; type: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.on('data', sink);
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']) }));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('the answer was cut')));
      })
      .on('error', reject);
  });
}

function sha256Of(parts: Iterable<string>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

describe('output safety (issue #10: 9, 14, 15, 16)', { timeout: 240_000 }, () => {
  let server: Server;
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ncf-e2e-output-'));
    await storeLargeTable(dataDir);
    await storeMultiTable(dataDir);
    server = await startServer({ dataDir, env: { NCF_MAX_RESPONSE_ROWS: '1000', NCF_QUERY_TIMEOUT_MS: '200000' } });
    const csv = 'a,f,s\n1,-1.7976931348623157e308,x\n2,0,y\n3,1.7976931348623157e308,z\n';
    const r = await api(server, 'POST', '/v1/tables/t?format=csv', ['--data-binary', csv, '-H', 'content-type: text/csv']);
    assert.equal(r.status, 201, r.text);
  });
  after(async () => {
    await server?.stop();
  });

  // Case 9 (output half): JSON-like answers of this table were one string per 8192 rows.
  for (const format of ['ndjson', 'json', 'csv'] as const) {
    it(`a table of 1 MiB text values renders as ${format}, equal to the generating formula`, async () => {
      const expected = sha256Of(
        (function* () {
          if (format === 'json') yield '{"columns":[{"name":"id","type":"int32"},{"name":"s","type":"string"}],"rows":[';
          if (format === 'csv') yield 'id,s\r\n';
          for (let i = 0; i < LARGE_ROWS; i++) {
            const v = largeValue(i);
            if (format === 'csv')
              yield `${i},${v}\r\n`; // control characters need no CSV quoting
            else yield (format === 'json' && i > 0 ? ',' : '') + JSON.stringify({ id: i, s: v }) + (format === 'ndjson' ? '\n' : '');
          }
          if (format === 'json') yield `],"rowCount":${LARGE_ROWS},"next":null}`;
        })(),
      );
      const h = createHash('sha256');
      let bytes = 0;
      const r = await streamGet(`${server.url}/v1/tables/large/rows?format=${format}`, (c) => {
        h.update(c);
        bytes += c.length;
      });
      assert.equal(r.status, 200);
      assert.ok(bytes > LARGE_ROWS * LARGE_CHARS * 0.9, `${bytes} bytes`);
      assert.equal(h.digest('hex'), expected, `${format}: the answer differs from the formula`);
    });
  }

  for (const format of ['arrow', 'parquet'] as const) {
    it(`a table of 1 MiB text values reads back as ${format}`, async () => {
      const chunks: Buffer[] = [];
      const r = await streamGet(`${server.url}/v1/tables/large/rows?format=${format}`, (c) => chunks.push(c));
      assert.equal(r.status, 200);
      const body = Buffer.concat(chunks);
      const table =
        format === 'arrow' ? arrow.tableFromIPC(body) : arrow.tableFromIPC((await parquetWasm()).readParquet(body).intoIPCStream());
      assert.equal(table.numRows, LARGE_ROWS);
      for (let i = 0; i < LARGE_ROWS; i++) {
        assert.equal(Number(table.getChild('id')!.get(i)), i);
        if (table.getChild('s')!.get(i) !== largeValue(i)) assert.fail(`${format} row ${i}: the value differs`);
      }
    });
  }

  it('a failure while streaming is logged with the request id', async () => {
    // A stored file cut short under a running answer: the rows after the first batches cannot be read.
    const t = await (await api(server, 'GET', '/v1/tables/multi')).json();
    assert.equal(t.rowCount, MULTI_ROWS);
    const id = `midstream-${Date.now()}`;
    const outcome = await new Promise<string>((resolve) => {
      const req = http.get(`${server.url}/v1/tables/multi/rows?format=ndjson`, { agent: false, headers: { 'x-request-id': id } }, (res) => {
        res.once('data', () => {
          res.pause();
          void (async () => {
            const key = (await readdir(join(dataDir, 'files'), { recursive: true }))
              .map(String)
              .find((f) => f.includes(multiKey.split('/')[1]!))!;
            await truncate(join(dataDir, 'files', key), 4096);
            res.resume();
          })();
        });
        res.on('end', () => resolve('ended'));
        res.on('aborted', () => resolve('cut'));
        res.on('error', () => resolve('cut'));
      });
      req.on('error', () => resolve('cut'));
    });
    assert.equal(outcome, 'cut', 'the connection is cut, so the client knows the answer is not whole');
    await new Promise((r) => setTimeout(r, 500));
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.includes(id));
    assert.ok(
      lines.some((l) => /"level":50/.test(l) && /streaming/.test(l)),
      `an error line names the request:\n${lines.join('\n')}`,
    );
  });

  // Case 14.
  it('a float histogram over ±1.8e308 has finite edges and counts every value', async () => {
    const r = await api(server, 'GET', '/v1/tables/t/columns/f/histogram?bins=7');
    assert.equal(r.status, 200, r.text);
    const h = r.json() as { bins: Array<{ lower: unknown; upper: unknown; count: number }>; count: number };
    assert.equal(h.count, 3);
    assert.equal(
      h.bins.reduce((a, b) => a + b.count, 0),
      3,
    );
    for (const b of h.bins)
      assert.ok(
        typeof b.lower === 'number' && Number.isFinite(b.lower) && typeof b.upper === 'number' && Number.isFinite(b.upper),
        JSON.stringify(b),
      );
    assert.equal(h.bins[0]!.lower, -1.7976931348623157e308);
    assert.equal(h.bins.at(-1)!.upper, 1.7976931348623157e308);
    assert.equal(h.bins[0]!.count, 1);
    assert.equal(h.bins.at(-1)!.count, 1);
  });

  // Case 15: members.
  it("a histogram of a string column is a 400 whose type stays the catalogue's", async () => {
    const r = await api(server, 'GET', '/v1/tables/t/columns/s/histogram');
    const body = r.json();
    assertProblem(r, 400, body);
    assert.equal(body.type, 'https://ncf.dev/problems/bad-query');
    assert.equal(body.title, 'Bad query');
    assert.equal(body.columnType, 'string');
    assert.equal(body.column, 's');
  });

  // Case 15: Accept on every route of openapi.yaml.
  it('every route of openapi.yaml asked with Accept: image/png answers 406 or its documented answer', async () => {
    const webFile = (await readdir(join(ROOT, 'web'))).find((f) => f.endsWith('.js'))!;
    const fill = (path: string, method: string) =>
      path
        .replace('{name}', method === 'delete' ? 'gone' : 't')
        .replace('{column}', 'a')
        .replace('{asset}', 'swagger-ui.css')
        .replace('{file}', path.startsWith('/vendor') ? 'chart.js' : webFile);
    await api(server, 'POST', '/v1/tables/gone?format=csv', ['--data-binary', 'a\n1\n', '-H', 'content-type: text/csv']);
    const seen: string[] = [];
    for (const [path, ops] of Object.entries(openapi.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!['get', 'post', 'put', 'delete'].includes(method)) continue;
        const url = fill(path, method);
        const body =
          method === 'post' && path.endsWith('/query')
            ? ['--data-binary', '{}', '-H', 'content-type: application/json']
            : (method === 'post' || method === 'put') && /^\/v1\/tables\/\{name\}(\/rows)?$/.test(path)
              ? ['--data-binary', 'a\n5\n', '-H', 'content-type: text/csv']
              : [];
        const r = await api(server, method.toUpperCase(), url, ['-H', 'Accept: image/png', ...body]);
        const documented = Object.keys(op.responses);
        if (documented.includes('406')) {
          assertProblem(r, 406, r.json());
          assert.equal(r.json().type, 'https://ncf.dev/problems/not-acceptable');
          assert.ok(Array.isArray(r.json().offered) && r.json().offered.length > 0, `${method} ${path}: 406 lists what is offered`);
        } else {
          // Pages, static files and DELETE (no body): their documented success.
          assert.ok(
            r.status < 300 && documented.includes(String(r.status)),
            `${method.toUpperCase()} ${path} answered ${r.status}: ${r.text.slice(0, 200)}`,
          );
        }
        seen.push(`${method} ${path} ${r.status}`);
      }
    }
    assert.ok(seen.length >= 20, seen.join('\n'));
    // The 406s changed nothing: the table still has its one version.
    const v = await api(server, 'GET', '/v1/tables/t/versions');
    assert.equal(v.json().versions.length, 1);
  });

  it('Accept: wildcards and q-values are honoured on JSON-only routes', async () => {
    const cases: Array<[string | null, number]> = [
      [null, 200],
      ['*/*', 200],
      ['application/*', 200],
      ['application/json', 200],
      ['text/html, */*;q=0.1', 200],
      ['application/json;q=0', 406],
      ['application/json;q=0, */*;q=0.5', 406],
      ['application/*;q=0, image/png', 406],
      ['image/png, application/json;q=0.2', 200],
      ['text/*', 406],
    ];
    for (const [accept, status] of cases) {
      for (const path of [
        '/v1/tables',
        '/v1/tables/t',
        '/v1/tables/t/columns/a/histogram',
        '/v1/tables/t/columns/a/distinct',
        '/healthz',
      ]) {
        const r = await api(server, 'GET', path, accept === null ? [] : ['-H', `Accept: ${accept}`]);
        assert.equal(r.status, status, `GET ${path} with Accept ${accept}: ${r.status} ${r.text.slice(0, 200)}`);
      }
    }
  });

  // Case 16: csvSafe.
  it('csvSafe guards formulas behind leading blanks and control characters, in cells and the header', async () => {
    const cells = [
      ' =1+1',
      '\t=1+1',
      '\r\n+1',
      '\n-1',
      '  @SUM(A1)',
      '\u00a0=1',
      '\u3000+1',
      '\uff1d1+1',
      '=1',
      '-2',
      'a=1',
      'safe',
      ' plain',
      '1-2',
    ];
    const ndjson = cells.map((s) => JSON.stringify({ '=cmd': s })).join('\n') + '\n';
    const up = await api(server, 'POST', '/v1/tables/inj?format=ndjson', [
      '--data-binary',
      ndjson,
      '-H',
      'content-type: application/x-ndjson',
    ]);
    assert.equal(up.status, 201, up.text);
    const r = await api(server, 'GET', '/v1/tables/inj/rows?format=csv&csvSafe=true');
    assert.equal(r.status, 200);
    const rows = parseCsv(r.text, { relax_quotes: false }) as string[][];
    assert.equal(rows.length, cells.length + 1);
    // The oracle: a cell a spreadsheet would run starts, after blanks and control characters, with
    // = + - @ or a fullwidth form of them (OWASP); such cells must come back behind a '.
    const formula = (s: string) => /^[\s\x00-\x1f]*[=+\-@\uff1d\uff0b\uff0d\uff20]/.test(s) || /^[\t\r]/.test(s);
    assert.equal(rows[0]![0], "'=cmd");
    cells.forEach((s, i) => {
      const got = rows[i + 1]![0]!;
      assert.equal(got, formula(s) ? `'${s}` : s, `cell ${JSON.stringify(s)} came back as ${JSON.stringify(got)}`);
    });
    // Without csvSafe the cells are as stored.
    const plain = parseCsv((await api(server, 'GET', '/v1/tables/inj/rows?format=csv')).text) as string[][];
    assert.deepEqual(
      plain.slice(1).map((row) => row[0]),
      cells,
    );
  });
});
