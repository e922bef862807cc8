// Hostile input against a real server (LOG_LEVEL=trace, API keys on): table names with traversal,
// URL- and double-encoding, NUL, look-alikes and 10k characters on every route of openapi.yaml with a
// {name}; the same for column names in select, filters, order, the JSON body, the column routes and
// upload headers (names with spaces and any script are kept; control characters, lone surrogates and
// names over 1024 characters are 422); prototype-pollution payloads in JSON bodies, JSON/NDJSON/Arrow
// uploads and (in process) the msgpack footer and every parser; CSV formula cells stored verbatim and
// escaped with ?csvSafe=true; and, last, that no API key — right or wrong, in any header — appears in
// the server's log.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import * as arrow from 'apache-arrow';
import { decode, encode } from '@msgpack/msgpack';
import { api, assertProblem, curl, openapi, startServer, type Server } from '../support/server.js';
import { BufferSink, NCFError, NCFReader, NCFWriter } from '../../src/index.js';
import { decodeFooter } from '../../src/format/footer.js';
import { parseFilterJson } from '../../src/format/filter/index.js';
import { bufferSource, parseSchemaOverride, readInput } from '../../src/ingest/index.js';
import { parseQueryBody } from '../../src/query/params.js';
import { HttpProblem } from '../../src/http/errors.js';

const KEYS = { read: 'sec-read-key-7Qx9Lm', write: 'sec-write-key-3Rt8Wn', admin: 'sec-admin-key-5Kp2Zv' } as const;
/** Wrong keys sent along the way; none may be logged either. */
const WRONG = ['wrong-key-marker-A91', `${KEYS.admin}-tampered`, 'wrong-key-marker-B37'];
const ADMIN = ['-H', `Authorization: Bearer ${KEYS.admin}`];

let server: Server;
let dir = '';
let csvPath = '';

const BASE_CSV = 'id,name,delay,"sp ace",ünï\n1,=SUM(A1:A9),-5,x,1\n2,+1,7,y,2\n3,-2,-50,z,3\n4,@cmd,0,w,4\n5,plain,12,v,5\n';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-security-'));
  csvPath = join(dir, 'base.csv');
  await writeFile(csvPath, BASE_CSV);
  server = await startServer({
    env: {
      LOG_LEVEL: 'trace',
      NCF_API_KEYS: Object.entries(KEYS)
        .map(([s, k]) => `${k}:${s}`)
        .join(','),
    },
  });
  const r = await api(server, 'PUT', '/v1/tables/t', [...ADMIN, '-F', `file=@${csvPath}`]);
  assert.equal(r.status, 201, r.text);
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

// --- the routes, from openapi.yaml --------------------------------------------------------------------

interface Route {
  method: string;
  template: string;
  body: 'upload' | 'json' | null;
}

const routes: Route[] = [];
for (const [template, item] of Object.entries(openapi.paths)) {
  for (const method of ['get', 'put', 'post', 'delete']) {
    const op = (item as Record<string, { requestBody?: { $ref?: string; content?: Record<string, unknown> } }>)[method];
    if (!op) continue;
    const body = !op.requestBody ? null : op.requestBody.$ref?.endsWith('/Upload') ? 'upload' : 'json';
    routes.push({ method: method.toUpperCase(), template, body });
  }
}

function bodyArgs(r: Route): string[] {
  if (r.body === 'upload') return ['-F', `file=@${csvPath}`];
  if (r.body === 'json') return ['-H', 'Content-Type: application/json', '-d', '{"limit":1}'];
  return [];
}

/** Path segments (already percent-encoded as a client would send them) that must never name a table. */
const HOSTILE_SEGMENTS: [string, string][] = [
  ['dot-dot', '..'],
  ['dot', '.'],
  ['encoded traversal', '..%2F..%2Fetc%2Fpasswd'],
  ['encoded dots and slash', '%2e%2e%2f%2e%2e%2fetc'],
  ['double-encoded traversal', '%252e%252e%252f%252e%252e%252fetc'],
  ['double-encoded slash', '..%252f..%252fetc'],
  ['encoded backslash traversal', '..%5C..%5Cwindows'],
  ['overlong UTF-8 dots', '%C0%AE%C0%AE%2F'],
  ['NUL inside', 't%00'],
  ['NUL alone', '%00'],
  ['fullwidth look-alike', encodeURIComponent('ｔ')],
  ['Cyrillic look-alike', encodeURIComponent('tаble')],
  ['zero-width space', encodeURIComponent('t\u200b')],
  ['right-to-left override', encodeURIComponent('t\u202egnp')],
  ['129 characters', 'a'.repeat(129)],
  ['10k characters', 'a'.repeat(10_000)],
  ['shell', encodeURIComponent('$(id)')],
  ['SQL', encodeURIComponent("t'; DROP TABLE t; --")],
];

describe('table names', () => {
  test('every route with {name} answers 400 problem+json to traversal, encodings, NUL, look-alikes and 10k characters', async () => {
    const named = routes.filter((r) => r.template.includes('{name}'));
    assert.ok(named.length >= 12, `${named.length} routes with {name}`);
    for (const r of named) {
      for (const [what, segment] of HOSTILE_SEGMENTS) {
        const path = r.template.replace('{name}', segment).replace('{column}', 'delay');
        const res = await api(server, r.method, path, ['--path-as-is', ...ADMIN, ...bodyArgs(r)]);
        assertProblem(res, 400, res.json());
        assert.ok(!res.text.includes('a'.repeat(600)), `${r.method} ${r.template} with ${what}: the answer does not echo a huge name`);
      }
    }
  });

  test('raw ../ in a path never reaches a table route: 404 problem+json, and nothing is touched', async () => {
    for (const [method, path] of [
      ['GET', '/v1/tables/../../etc/passwd'],
      ['GET', '/v1/tables/t/../../../etc/passwd'],
      ['DELETE', '/v1/tables/x/../t'],
      ['PUT', '/v1/tables/../t'],
      ['GET', '/v1/tables/t/columns/../../../etc/passwd/histogram'],
    ] as const) {
      const res = await curl(['--path-as-is', '-X', method, ...ADMIN, `${server.url}${path}`]);
      assertProblem(res, 404, res.json());
    }
    const t = await api(server, 'GET', '/v1/tables/t', ADMIN);
    assert.equal(t.status, 200, 'table t survived the traversal attempts');
    const list = await api(server, 'GET', '/v1/tables', ADMIN);
    assert.ok(!list.json().tables.some((x: { name: string }) => /\.|etc|passwd/.test(x.name)));
  });
});

/** Column names a query may carry; none is a column of table t. */
const HOSTILE_COLUMNS = [
  '../etc',
  '..%2Fetc',
  '%2e%2e%2f',
  'a\u0000b',
  '\u0000',
  'ｎａｍｅ',
  'nаme',
  'name\u200b',
  'a'.repeat(10_000),
  '__proto__',
  'constructor',
];

describe('column names in queries', () => {
  test('select, filters and order with hostile names are 400 naming the parameter', async () => {
    for (const name of HOSTILE_COLUMNS) {
      const e = encodeURIComponent(name);
      for (const [query, parameter] of [
        [`select=${e}`, 'select'],
        [`order=${e}`, 'order'],
        [`${e}=eq.1`, null],
      ] as const) {
        const res = await api(server, 'GET', `/v1/tables/t/rows?${query}`, ADMIN);
        const body = res.json();
        assertProblem(res, 400, body);
        if (parameter) assert.equal(body.parameter, parameter);
      }
    }
  });

  test('the JSON body: select, where and order with hostile names are 400', async () => {
    for (const name of HOSTILE_COLUMNS) {
      for (const body of [{ select: [name] }, { where: { column: name, op: 'eq', value: 1 } }, { order: [{ column: name }] }]) {
        const res = await api(server, 'POST', '/v1/tables/t/query', [
          ...ADMIN,
          '-H',
          'Content-Type: application/json',
          '-d',
          JSON.stringify(body),
        ]);
        assertProblem(res, 400, res.json());
      }
    }
  });

  test('column routes: an unknown hostile name is 404 (documented), a 10k name 400, never more', async () => {
    for (const name of HOSTILE_COLUMNS) {
      for (const kind of ['histogram', 'distinct']) {
        const res = await api(server, 'GET', `/v1/tables/t/columns/${encodeURIComponent(name)}/${kind}`, ADMIN);
        assertProblem(res, name.length > 512 ? 400 : 404, res.json());
      }
    }
  });
});

describe('column names in uploads', () => {
  test('spaces, any script, punctuation, traversal-looking and look-alike names are kept verbatim and can be queried', async () => {
    const names = ['with space', 'ünïcødé', '名前', '../x', '%2e%2e', '$(id)', "'; DROP TABLE t; --", 'ｎａｍｅ', '=cmd', 'a'.repeat(1024)];
    const header = names.map((n) => `"${n.replace(/"/g, '""')}"`).join(',');
    const file = join(dir, 'names.csv');
    await writeFile(file, `${header}\n${names.map((_, i) => i).join(',')}\n`);
    const res = await api(server, 'POST', '/v1/tables/names_ok', [...ADMIN, '-F', `file=@${file}`]);
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(
      res.json().columns.map((c: { name: string }) => c.name),
      names,
    );
    for (const [i, n] of names.entries()) {
      const q = await api(
        server,
        'GET',
        `/v1/tables/names_ok/rows?select=${encodeURIComponent(n)}&${encodeURIComponent(n)}=eq.${i}`,
        ADMIN,
      );
      assert.equal(q.status, 200, q.text);
      assert.deepEqual(q.json().rows, [{ [n]: i }]);
    }
  });

  test('NUL, control characters, lone surrogates and names over 1024 characters are 422 naming the rule; nothing is created', async () => {
    const cases: [string, string, string, RegExp][] = [
      ['csv', 'text/csv', 'a,"b\u0000c"\n1,2\n', /control character U\+0000/],
      ['csv', 'text/csv', 'a,"b\u0001c"\n1,2\n', /control character U\+0001/],
      ['csv', 'text/csv', 'a,"line\nbreak"\n1,2\n', /control character U\+000A/],
      ['csv', 'text/csv', 'a,"tab\there"\n1,2\n', /control character U\+0009/],
      ['csv', 'text/csv', 'a,"del\u007f"\n1,2\n', /control character U\+007F/],
      ['csv', 'text/csv', `a,${'b'.repeat(10_000)}\n1,2\n`, /10000 characters long, more than the 1024/],
      ['ndjson', 'application/x-ndjson', '{"a":1,"b\\u0000c":2}\n', /control character U\+0000/],
      ['json', 'application/json', '[{"a":1,"\\ud800":2}]', /lone surrogate/],
    ];
    for (const [i, [format, type, body, message]] of cases.entries()) {
      const file = join(dir, `bad-names-${i}.${format}`);
      await writeFile(file, body);
      const res = await api(server, 'POST', `/v1/tables/bad_names_${i}`, [
        ...ADMIN,
        '-H',
        `Content-Type: ${type}`,
        '--data-binary',
        `@${file}`,
      ]);
      const problem = res.json();
      assertProblem(res, 422, problem);
      assert.match(problem.detail, message, `${format} case ${i}`);
      assert.match(problem.detail, /1 to 1024 characters without control characters/);
      const gone = await api(server, 'GET', `/v1/tables/bad_names_${i}`, ADMIN);
      assert.equal(gone.status, 404);
    }
  });
});

describe('wide uploads', () => {
  test('more than 4096 columns is 413 naming the limit, refused at the header in well under a second', async () => {
    for (const [what, header] of [
      ['named', Array.from({ length: 5000 }, (_, i) => `c${i}`).join(',')],
      ['empty', ';'.repeat(65_000)],
    ] as const) {
      const file = join(dir, `wide-${what}.csv`);
      await writeFile(file, `${header}\n`);
      const started = Date.now();
      const res = await api(server, 'POST', `/v1/tables/wide_${what}`, [
        ...ADMIN,
        '-H',
        'Content-Type: text/csv',
        '--data-binary',
        `@${file}`,
      ]);
      const problem = res.json();
      assertProblem(res, 413, problem);
      assert.match(problem.detail, /more than the 4096 a table may have/);
      assert.ok(Date.now() - started < 3000, `${what}: took ${Date.now() - started} ms`);
    }
  });
});

describe('prototype pollution', () => {
  test('JSON query bodies with __proto__ or constructor.prototype are 400, at the top and nested', async () => {
    for (const body of [
      '{"__proto__":{"polluted":1},"limit":1}',
      '{"constructor":{"prototype":{"polluted":1}},"limit":1}',
      '{"where":{"column":"id","op":"eq","value":1,"__proto__":{"polluted":1}}}',
      '{"where":{"and":[{"constructor":{"prototype":{"polluted":1}}}]}}',
      '{"order":[{"column":"id","__proto__":{"desc":true}}]}',
    ]) {
      const res = await api(server, 'POST', '/v1/tables/t/query', [...ADMIN, '-H', 'Content-Type: application/json', '-d', body]);
      const problem = res.json();
      assertProblem(res, 400, problem);
      assert.match(problem.detail, /__proto__|constructor|unexpected key|unknown key/);
    }
  });

  test('JSON and NDJSON uploads keep __proto__ and constructor as ordinary columns, and nothing else changes', async () => {
    const uploads: [string, string, string][] = [
      ['proto_ndjson', 'application/x-ndjson', '{"__proto__":{"polluted":1},"a":1}\n{"constructor":{"prototype":{"polluted":2}},"a":2}\n'],
      ['proto_json', 'application/json', '[{"__proto__":{"polluted":1},"a":1},{"constructor":{"prototype":{"polluted":2}},"a":2}]'],
    ];
    for (const [name, type, body] of uploads) {
      const file = join(dir, `${name}.txt`);
      await writeFile(file, body);
      const res = await api(server, 'POST', `/v1/tables/${name}`, [...ADMIN, '-H', `Content-Type: ${type}`, '--data-binary', `@${file}`]);
      assert.equal(res.status, 201, res.text);
      assert.deepEqual(
        res.json().columns.map((c: { name: string }) => c.name),
        ['__proto__', 'a', 'constructor'],
      );
      const rows = (await api(server, 'GET', `/v1/tables/${name}/rows?order=a`, ADMIN)).json().rows;
      assert.ok(Object.hasOwn(rows[0], '__proto__'), 'the column comes back as an own property');
      // biome-ignore lint/suspicious/noProto: reads the own property named __proto__ that JSON.parse made
      assert.equal(rows[0].__proto__, '{"polluted":1}');
      assert.equal(rows[1].constructor, '{"prototype":{"polluted":2}}');
    }
    // Objects the server builds afterwards have no inherited "polluted" key.
    for (const path of ['/v1/tables/t', '/v1/tables/t/rows?limit=1', '/v1/tables/t/stats', '/v1/tables']) {
      const text = (await api(server, 'GET', path, ADMIN)).text;
      assert.ok(!text.includes('polluted'), `${path}: ${text.slice(0, 200)}`);
    }
  });

  test('an Arrow upload with a __proto__ field and __proto__ metadata keys is stored verbatim', async () => {
    const field = new arrow.Field('__proto__', new arrow.Int32(), true, new Map([['__proto__', '{"polluted":1}']]));
    const schema = new arrow.Schema(
      [field, new arrow.Field('constructor', new arrow.Utf8(), true)],
      new Map([
        ['__proto__', '{"polluted":1}'],
        ['constructor', 'x'],
      ]),
    );
    const children = [
      arrow.vectorFromArray([1, 2], new arrow.Int32()).data[0]!,
      arrow.vectorFromArray(['a', 'b'], new arrow.Utf8()).data[0]!,
    ];
    const batch = new arrow.RecordBatch(
      schema,
      arrow.makeData({ type: new arrow.Struct(schema.fields), length: 2, nullCount: 0, children }),
    );
    const file = join(dir, 'proto.arrow');
    await writeFile(file, arrow.tableToIPC(new arrow.Table([batch]), 'stream'));
    const res = await api(server, 'POST', '/v1/tables/proto_arrow', [
      ...ADMIN,
      '-H',
      'Content-Type: application/vnd.apache.arrow.stream',
      '--data-binary',
      `@${file}`,
    ]);
    assert.equal(res.status, 201, res.text);
    const rows = (await api(server, 'GET', '/v1/tables/proto_arrow/rows?select=__proto__,constructor', ADMIN)).json().rows;
    assert.deepEqual(
      // biome-ignore lint/suspicious/noProto: reads the own property named __proto__ that JSON.parse made
      rows.map((r: Record<string, unknown>) => [r.__proto__, r.constructor]),
      [
        [1, 'a'],
        [2, 'b'],
      ],
    );
  });

  describe('in process, at the parsers', () => {
    const clean = (what: string): void => {
      assert.equal(({} as Record<string, unknown>).polluted, undefined, `${what}: Object.prototype.polluted`);
      assert.equal((Object.prototype as Record<string, unknown>).desc, undefined, `${what}: Object.prototype.desc`);
      assert.deepEqual(Object.keys(Object.prototype), [], `${what}: Object.prototype gained keys`);
    };

    test('NDJSON and JSON ingest', async () => {
      const inputs: ['ndjson' | 'json', string][] = [
        ['ndjson', '{"__proto__":{"polluted":1},"a":1}\n{"constructor":{"prototype":{"polluted":2}},"a":2}\n'],
        ['json', '[{"__proto__":{"polluted":1}},{"a":{"__proto__":{"polluted":1}}},{"constructor":{"prototype":{"polluted":1}}}]'],
      ];
      for (const [format, text] of inputs) {
        const batches = [];
        for await (const b of readInput(format, bufferSource(new TextEncoder().encode(text)))) batches.push(b);
        assert.ok(batches[0]!.schema.fields.some((f) => f.name === '__proto__' || f.name === 'constructor'));
        clean(format);
      }
    });

    test('the query body, the JSON filter tree and the schema override', () => {
      for (const text of [
        '{"__proto__":{"polluted":1}}',
        '{"constructor":{"prototype":{"polluted":1}}}',
        '{"where":{"__proto__":{"polluted":1},"column":"a","op":"eq","value":1}}',
      ]) {
        assert.throws(
          () => parseQueryBody(JSON.parse(text)),
          (e: unknown) => e instanceof HttpProblem && e.status === 400,
        );
        clean(text);
      }
      assert.throws(() => parseFilterJson(JSON.parse('{"__proto__":{"column":"a"},"column":"a","op":"eq","value":1}')), NCFError);
      assert.throws(() => parseFilterJson(JSON.parse('{"and":[{"constructor":{"prototype":{"polluted":1}}}]}')), NCFError);
      clean('filter');
      const override = parseSchemaOverride(JSON.parse('{"__proto__":{"type":"int64"},"a":"int32"}'));
      assert.equal(Object.getPrototypeOf(override), null, 'the override map has no prototype to pollute');
      assert.deepEqual(Object.keys(override).sort(), ['__proto__', 'a']);
      clean('schema override');
    });

    test('a msgpack footer with __proto__ keys (root, column, metadata) is refused, and a __proto__ column name is just a name', async () => {
      const sink = new BufferSink();
      const w = await NCFWriter.open(sink, {
        schema: [
          { name: '__proto__', type: 'int32', nullable: false },
          { name: 'constructor', type: 'string', nullable: true },
        ],
      });
      await w.write({ __proto__: [1, 2], constructor: ['a', null] } as unknown as Record<string, unknown[]>);
      await w.close();
      const file = sink.result!;
      const reader = await NCFReader.open(file);
      assert.deepEqual(
        reader.columns.map((c) => c.name),
        ['__proto__', 'constructor'],
      );
      const table = await reader.read();
      assert.deepEqual([...table.getChild('__proto__')!.toArray()], [1, 2]);
      assert.deepEqual([...table.getChild('constructor')!], ['a', null]);
      clean('NCF column named __proto__');

      const len = new DataView(file.buffer, file.byteOffset).getUint32(file.length - 48, true);
      const footer = decode(file.subarray(file.length - 48 - len, file.length - 48)) as Record<string, unknown>;
      // msgpack maps whose keys are "__proto__", spliced in as raw bytes (an encoder would not write them).
      const protoMap = Uint8Array.of(0x81, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa8, ...Buffer.from('polluted'), 0xc3);
      const withRaw = (base: Record<string, unknown>, key: string): Uint8Array => {
        const marker = 'PLACEHOLDER-MAP';
        const bytes = encode({ ...base, [key]: marker });
        const m = Buffer.from(encode(marker));
        const at = Buffer.from(bytes).indexOf(m);
        return Buffer.concat([bytes.subarray(0, at), protoMap, bytes.subarray(at + m.length)]);
      };
      const columns = footer.columns as Record<string, unknown>[];
      const hostile = [
        withRaw(footer, 'extra'),
        withRaw({ ...footer, metadata: {} }, 'metadata'),
        (() => {
          const cols = columns.map((c) => ({ ...c }));
          cols[0]!.nested = 'PLACEHOLDER-MAP';
          const bytes = Buffer.from(encode({ ...footer, columns: cols }));
          const m = Buffer.from(encode('PLACEHOLDER-MAP'));
          const at = bytes.indexOf(m);
          return Buffer.concat([bytes.subarray(0, at), protoMap, bytes.subarray(at + m.length)]);
        })(),
        Uint8Array.of(
          0x81,
          0xab,
          ...Buffer.from('constructor'),
          0x81,
          0xa9,
          ...Buffer.from('prototype'),
          0x81,
          0xa8,
          ...Buffer.from('polluted'),
          0xc3,
        ),
      ];
      for (const [i, bytes] of hostile.entries()) {
        assert.throws(
          () => decodeFooter(bytes, file.length, { maxChunkBytes: 1 << 20, maxRowGroupRows: 1 << 20 }),
          NCFError,
          `hostile footer ${i}`,
        );
        // The same footer inside a complete file, with true CRC and SHA-256.
        const data = file.subarray(0, file.length - 48 - len);
        const body = Buffer.concat([data, bytes, Buffer.alloc(16)]);
        body.writeUInt32LE(bytes.length, data.length + bytes.length);
        body.writeUInt32LE(crc32(bytes) >>> 0, data.length + bytes.length + 4);
        Buffer.from(file.subarray(file.length - 40, file.length - 32)).copy(body, data.length + bytes.length + 8);
        const whole = Buffer.concat([body, createHash('sha256').update(body).digest()]);
        await assert.rejects(NCFReader.open(new Uint8Array(whole)), NCFError, `hostile file ${i}`);
        clean(`hostile footer ${i}`);
      }
    });
  });
});

describe('CSV formula cells', () => {
  const cells = ['=SUM(A1:A9)', '+1', '-2', '@cmd', 'plain'];

  test('are stored verbatim and come back verbatim in JSON, NDJSON and plain CSV', async () => {
    const json = (await api(server, 'GET', '/v1/tables/t/rows?select=name&order=id', ADMIN)).json();
    assert.deepEqual(
      json.rows.map((r: { name: string }) => r.name),
      cells,
    );
    const nd = (await api(server, 'GET', '/v1/tables/t/rows?select=name&order=id&format=ndjson', ADMIN)).text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).name);
    assert.deepEqual(nd, cells);
    const csv = (await api(server, 'GET', '/v1/tables/t/rows?select=name&order=id&format=csv', ADMIN)).text.trim().split(/\r?\n/);
    assert.deepEqual(csv, ['name', ...cells]);
  });

  test('are escaped with a leading quote on CSV output with ?csvSafe=true (GET and POST), numbers untouched', async () => {
    const expected = ['name,delay', "'=SUM(A1:A9),-5", "'+1,7", "'-2,-50", "'@cmd,0", 'plain,12'];
    const get = await api(server, 'GET', '/v1/tables/t/rows?select=name,delay&order=id&format=csv&csvSafe=true', ADMIN);
    assert.equal(get.status, 200);
    assert.deepEqual(get.text.trim().split(/\r?\n/), expected);
    const post = await api(server, 'POST', '/v1/tables/t/query?format=csv&csvSafe=true', [
      ...ADMIN,
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"select":["name","delay"],"order":"id"}',
    ]);
    assert.equal(post.status, 200, post.text);
    assert.deepEqual(post.text.trim().split(/\r?\n/), expected);
  });
});

describe('logs', () => {
  test('no API key, right or wrong, in any header or the query string, appears in the trace-level log', async () => {
    const attempts: string[][] = [
      ['-H', `Authorization: Bearer ${KEYS.read}`],
      ['-H', `Authorization: Bearer ${KEYS.write}`],
      ['-H', `Authorization: Bearer ${KEYS.admin}`],
      ['-H', `authorization: bearer ${KEYS.admin}`],
      ...WRONG.map((k) => ['-H', `Authorization: Bearer ${k}`]),
      ['-H', `Authorization: Basic ${Buffer.from(`user:${WRONG[0]}`).toString('base64')}`],
      ['-H', `X-API-Key: ${WRONG[1]}`],
      ['-H', `Cookie: key=${WRONG[2]}`],
    ];
    const paths: [string, string, string[]][] = [
      ['GET', '/v1/tables/t/rows?limit=1', []],
      ['GET', '/v1/tables/nope', []],
      ['GET', '/v1/tables/bad..name', []],
      ['POST', '/v1/tables/t/query', ['-H', 'Content-Type: application/json', '-d', '{"select":["nope"]}']],
      ['POST', '/v1/tables/t/rows', ['-F', `file=@${csvPath}`]],
      ['PUT', '/v1/tables/log_t', ['-F', `file=@${csvPath}`]],
    ];
    for (const a of attempts) for (const [method, path, args] of paths) await api(server, method, path, [...a, ...args]);
    // Keys in places the server does not read them, including a query string and an upload field.
    await api(server, 'GET', `/v1/tables/t/rows?api_key=${KEYS.admin}&token=${WRONG[0]}`, []);
    await api(server, 'POST', '/v1/tables/t/rows', [...ADMIN, '-F', `file=@${csvPath}`, '-F', `key=${KEYS.write}`]);
    const log = server.output();
    assert.match(log, /"level":10/, 'the server logged at trace level');
    assert.match(log, /"msg":"request"/, 'request lines are in the log');
    for (const k of [...Object.values(KEYS), ...WRONG]) {
      for (const form of [k, encodeURIComponent(k), Buffer.from(k).toString('base64')]) {
        assert.ok(
          !log.includes(form),
          `the log contains ${JSON.stringify(form)}:\n${log
            .split('\n')
            .filter((l) => l.includes(form))
            .slice(0, 3)
            .join('\n')}`,
        );
      }
    }
  });
});
