// Data in, end to end (issue #14 items 1-3): uploads of JSON, NDJSON and CSV to a real server process
// (real curl), and the ncf command converting a JSON file, keep the column order of the text, infer
// dates and timestamps from strings, and keep a value's zone. Expected values come from Date.UTC,
// independent of the ingest code.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ROOT, api, assertProblem, startServer, type Server } from '../support/server.js';

let server: Server;
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncf-e2e-ingest-'));
  server = await startServer();
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const MEDIA = { json: 'application/json', ndjson: 'application/x-ndjson', csv: 'text/csv' } as const;
type Fmt = keyof typeof MEDIA;

async function upload(name: string, format: Fmt, body: string, schema?: object) {
  const file = join(dir, `${name}.${format}`);
  await writeFile(file, body);
  const q = schema ? `?schema=${encodeURIComponent(JSON.stringify(schema))}` : '';
  return api(server, 'POST', `/v1/tables/${name}${q}`, ['--data-binary', `@${file}`, '-H', `Content-Type: ${MEDIA[format]}`]);
}

interface Column {
  name: string;
  type: string;
  unit?: string;
  timezone?: string;
}

async function columns(name: string): Promise<Column[]> {
  const r = await api(server, 'GET', `/v1/tables/${name}`);
  assert.equal(r.status, 200, r.text);
  return r.json().columns as Column[];
}

/** Rows as NDJSON objects, parsed keeping their text order of keys (JSON.parse would not). */
async function rowKeyOrder(name: string): Promise<string[]> {
  const r = await api(server, 'GET', `/v1/tables/${name}/rows?format=csv&limit=1`);
  assert.equal(r.status, 200, r.text);
  return r.text.split(/\r?\n/)[0]!.split(',');
}

/** Epoch milliseconds of a timestamp as the JSON output prints it (whatever its text form). */
async function firstValues(name: string, column: string): Promise<unknown[]> {
  const r = await api(server, 'GET', `/v1/tables/${name}/rows?select=${column}&format=ndjson`);
  assert.equal(r.status, 200, r.text);
  return r.text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l)[column]);
}

describe('item 1: column order of the text, integer-like names included', () => {
  const json = '[{"name":"a","2020":1,"2021":2},{"name":"b","2020":3,"2021":4,"7":true}]';
  const ndjson = '{"name":"a","2020":1,"2021":2}\n{"name":"b","2020":3,"2021":4,"7":true}\n';
  const expected = ['name', '2020', '2021', '7'];
  for (const [format, body] of [
    ['json', json],
    ['ndjson', ndjson],
  ] as const) {
    test(`${format} upload: columns name, 2020, 2021, 7 in the described schema and in CSV output`, async () => {
      const r = await upload(`order_${format}`, format, body);
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(
        (await columns(`order_${format}`)).map((c) => c.name),
        expected,
      );
      assert.deepEqual(await rowKeyOrder(`order_${format}`), expected);
      assert.deepEqual(await firstValues(`order_${format}`, '2021'), [2, 4]);
    });
  }

  test('the same order as a CSV of the same table (the reference the issue names)', async () => {
    const r = await upload('order_csv', 'csv', 'name,2020,2021,7\na,1,2,\nb,3,4,true\n');
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(
      (await columns('order_csv')).map((c) => c.name),
      expected,
    );
  });

  test('ncf convert of a JSON file keeps the order too', async () => {
    const input = join(dir, 'cli-order.json');
    const output = join(dir, 'cli-order.ncf');
    await writeFile(input, json);
    const run = promisify(execFile);
    await run(process.execPath, [join(ROOT, 'bin/ncf.js'), 'convert', input, output]);
    const { stdout } = await run(process.execPath, [join(ROOT, 'bin/ncf.js'), 'inspect', output, '--json']);
    const meta = JSON.parse(stdout);
    const names = (meta.columns ?? meta.schema.columns).map((c: { name: string }) => c.name);
    assert.deepEqual(names, expected);
  });
});

describe('item 2: dates and timestamps inferred from JSON strings and CSV layouts', () => {
  const rows = [
    { day: '1970-01-01', at: '2000-01-01T08:00:00.000Z', local: '2015/01/01 01:00:00', note: 'x' },
    { day: '2024-02-29', at: '2000-01-01T10:30:00+02:00', local: '2015-01-01T02:30:00.25', note: '2024-02-29' },
  ];
  const expectTypes = (cols: Column[]) => {
    const by = Object.fromEntries(cols.map((c) => [c.name, c]));
    assert.equal(by.day!.type, 'date');
    assert.equal(by.at!.type, 'timestamp');
    assert.equal(by.at!.timezone, 'UTC');
    assert.equal(by.local!.type, 'timestamp');
    assert.equal(by.local!.timezone, undefined);
    assert.equal(by.note!.type, 'string'); // one non-date value keeps the column string
  };
  const bodies: Record<Fmt, string> = {
    json: JSON.stringify(rows),
    ndjson: rows.map((r) => JSON.stringify(r)).join('\n'),
    csv: `day,at,local,note\n${rows.map((r) => [r.day, r.at, r.local, r.note].join(',')).join('\n')}\n`,
  };
  for (const format of ['json', 'ndjson', 'csv'] as const) {
    test(`${format}: date, UTC timestamp and zone-less timestamp columns; filters compare them as instants`, async () => {
      const name = `temporal_${format}`;
      const r = await upload(name, format, bodies[format]);
      assert.equal(r.status, 201, r.text);
      expectTypes(await columns(name));
      // A typed filter finds rows by instant: 08:00Z and 10:30+02:00 are 08:00 and 08:30 UTC.
      const f = await api(
        server,
        'GET',
        `/v1/tables/${name}/rows?select=note&at=gt.${encodeURIComponent('2000-01-01T08:15:00Z')}&format=ndjson`,
      );
      assert.equal(f.status, 200, f.text);
      assert.deepEqual(
        f.text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).note),
        ['2024-02-29'],
      );
      const d = await api(server, 'GET', `/v1/tables/${name}/rows?select=note&day=eq.2024-02-29&format=ndjson`);
      assert.deepEqual(
        d.text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).note),
        ['2024-02-29'],
      );
      // The instants themselves, whatever the text form the output gives them.
      const at = (await firstValues(name, 'at')).map((v) => Date.parse(String(v)));
      assert.deepEqual(at, [Date.UTC(2000, 0, 1, 8), Date.UTC(2000, 0, 1, 8, 30)]);
    });
  }
});

describe("item 3: a timestamp override keeps the values' zone", () => {
  const zoned = [{ t: '2000-01-01T08:00:00.000Z' }, { t: '2000-01-01T09:00:00+01:00' }];
  const naive = [{ t: '2000-01-01T08:00:00.000' }, { t: '2000-01-02' }];
  const body = (format: Fmt, rows: { t: string }[]): string =>
    format === 'json'
      ? JSON.stringify(rows)
      : format === 'ndjson'
        ? rows.map((r) => JSON.stringify(r)).join('\n')
        : `t\n${rows.map((r) => r.t).join('\n')}\n`;
  for (const format of ['json', 'ndjson', 'csv'] as const) {
    test(`${format} with {"t":"timestamp"}: Z/offset values → UTC-zoned, zone-less → zone-less, a mix → 422`, async () => {
      let r = await upload(`tz_zoned_${format}`, format, body(format, zoned), { t: 'timestamp' });
      assert.equal(r.status, 201, r.text);
      let t = (await columns(`tz_zoned_${format}`))[0]!;
      assert.deepEqual([t.type, t.timezone], ['timestamp', 'UTC']);

      r = await upload(`tz_naive_${format}`, format, body(format, naive), { t: 'timestamp' });
      assert.equal(r.status, 201, r.text);
      t = (await columns(`tz_naive_${format}`))[0]!;
      assert.deepEqual([t.type, t.timezone], ['timestamp', undefined]);

      r = await upload(`tz_mixed_${format}`, format, body(format, [...zoned, ...naive]), { t: 'timestamp' });
      assertProblem(r, 422, r.json());
      assert.match(r.json().detail, /column "t": some timestamps carry a zone/);
      assert.equal((await api(server, 'GET', `/v1/tables/tz_mixed_${format}`)).status, 404);
    });
  }

  test("appends follow the table's zone whatever the appended values carry", async () => {
    const append = async (name: string, format: Fmt, text: string) => {
      const file = join(dir, `${name}-append.${format}`);
      await writeFile(file, text);
      return api(server, 'POST', `/v1/tables/${name}/rows`, ['--data-binary', `@${file}`, '-H', `Content-Type: ${MEDIA[format]}`]);
    };
    let r = await upload('tz_append_naive', 'csv', 't\n2000-01-01 08:00:00\n');
    assert.equal(r.status, 201, r.text);
    r = await append('tz_append_naive', 'ndjson', body('ndjson', [...zoned, ...naive]));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      (await columns('tz_append_naive')).map((c) => [c.type, c.timezone]),
      [['timestamp', undefined]],
    );

    r = await upload('tz_append_utc', 'json', body('json', zoned));
    assert.equal(r.status, 201, r.text);
    r = await append('tz_append_utc', 'csv', body('csv', naive));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      (await columns('tz_append_utc')).map((c) => [c.type, c.timezone]),
      [['timestamp', 'UTC']],
    );
    assert.equal((await firstValues('tz_append_utc', 't')).length, 4);
  });

  test('without an override the same mix is inferred as string in every format', async () => {
    for (const format of ['json', 'ndjson', 'csv'] as const) {
      const r = await upload(`tz_infer_${format}`, format, body(format, [...zoned, ...naive]));
      assert.equal(r.status, 201, r.text);
      assert.equal((await columns(`tz_infer_${format}`))[0]!.type, 'string');
    }
  });
});
