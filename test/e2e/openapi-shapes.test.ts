// The served document and the routes agree on shapes, not only on paths: every JSON operation of
// /openapi.json is called with a valid request on a real server, and each answer's body is validated
// against the schema the served document declares for that status and media type (our own validator,
// test/support/json-schema.ts). Schemas forbid undeclared members and list required ones, so an
// answer that gains or loses a field fails here. The served components are also checked to be what
// the zod schemas give (src/http/schemas.ts), so the shapes the handlers are typed with are these.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { componentSchemas } from '../../src/http/openapi-components.js';
import { validate } from '../support/json-schema.js';
import { startServer, type Server } from '../support/server.js';

interface Operation {
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

let server: Server;
let doc: Doc;
/** "METHOD template" of every operation called, for the coverage check. */
const called = new Set<string>();

const CSV_A =
  'id,origin,delay,day,at\n1,SFO,1.5,2024-01-02,2024-01-02T03:04:05Z\n2,LAX,,2024-01-03,2024-01-03T00:00:00Z\n3,SFO,-2.25,2024-02-01,\n';
const CSV_B = 'id,origin,delay,day,at\n4,JFK,7,2024-03-01,2024-03-01T10:00:00Z\n5,,0.5,2024-03-02,2024-03-02T00:00:00Z\n';

before(async () => {
  server = await startServer();
  const r = await fetch(`${server.url}/openapi.json`);
  assert.equal(r.status, 200);
  doc = (await r.json()) as Doc;
});

after(async () => {
  await server?.stop();
});

function responseOf(method: string, template: string, status: number) {
  const op = doc.paths[template]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${template} is not in the served document`);
  let res = op.responses[String(status)];
  assert.ok(res, `${method} ${template} does not document status ${status}`);
  if (res.$ref !== undefined) res = doc.components[res.$ref.split('/')[2] as 'schemas'][res.$ref.split('/')[3]!] as typeof res;
  return res;
}

/** Calls `template` filled with `params`, checks the status and validates the body against the document. */
async function call(
  method: string,
  template: string,
  params: Record<string, string>,
  status: number,
  init: RequestInit & { query?: string } = {},
): Promise<unknown> {
  const path = template.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(params[k]!));
  const r = await fetch(`${server.url}${path}${init.query ?? ''}`, { method, ...init });
  const text = await r.text();
  assert.equal(r.status, status, `${method} ${path}: ${text}`);
  called.add(`${method} ${template}`);
  const res = responseOf(method, template, status);
  if (status === 204) {
    assert.equal(text, '', `${method} ${path}: a 204 has no body`);
    assert.equal(res.content, undefined, `${method} ${template}: the document declares a body for 204`);
    return undefined;
  }
  const type = (r.headers.get('content-type') ?? '').split(';')[0]!;
  const schema = res.content?.[type]?.schema;
  assert.ok(schema, `${method} ${template} ${status}: the document declares no schema for ${type}`);
  const body = JSON.parse(text) as unknown;
  assert.deepEqual(validate(schema as Record<string, unknown>, body, doc), [], `${method} ${path} ${status}: ${text.slice(0, 400)}`);
  return body;
}

const csv = (body: string): RequestInit => ({ body, headers: { 'content-type': 'text/csv' } });
const json = (body: unknown): RequestInit => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

test('the served components are the zod schemas, as z.toJSONSchema writes them', () => {
  const generated = componentSchemas();
  for (const [id, schema] of Object.entries(generated)) assert.deepEqual(doc.components.schemas[id], schema, `component ${id}`);
});

test('every JSON answer of every route has the shape the served document declares', { timeout: 120_000 }, async () => {
  const t = { name: 'shapes' };
  await call('GET', '/healthz', {}, 200);
  await call('GET', '/readyz', {}, 200);
  await call('GET', '/openapi.json', {}, 200);
  await call('GET', '/v1/tables', {}, 200);

  const created = (await call('POST', '/v1/tables/{name}', t, 201, { ...csv(CSV_A), method: 'POST' })) as { columns: unknown[] };
  assert.equal(created.columns.length, 5);
  await call('POST', '/v1/tables/{name}/rows', t, 200, { ...csv(CSV_B), method: 'POST' });
  await call('PUT', '/v1/tables/{name}', { name: 'other' }, 201, { ...csv(CSV_A), method: 'PUT' });
  await call('PUT', '/v1/tables/{name}', { name: 'other' }, 200, { ...csv(CSV_B), method: 'PUT' });
  // A replayed answer (Idempotency-Key) has the same shape as the first.
  const keyed = { ...csv(CSV_B), method: 'POST', headers: { 'content-type': 'text/csv', 'idempotency-key': 'shapes-1' } };
  await call('POST', '/v1/tables/{name}/rows', { name: 'other' }, 200, keyed);
  await call('POST', '/v1/tables/{name}/rows', { name: 'other' }, 200, keyed);

  const list = (await call('GET', '/v1/tables', {}, 200)) as { tables: unknown[] };
  assert.equal(list.tables.length, 2);
  await call('GET', '/v1/tables/{name}', t, 200);
  await call('GET', '/v1/tables/{name}', t, 200, { query: '?version=1' });
  const stats = (await call('GET', '/v1/tables/{name}/stats', t, 200)) as { rowGroups: unknown[] };
  assert.equal(stats.rowGroups.length, 2, 'two files, one row group each');
  await call('GET', '/v1/tables/{name}/versions', t, 200);
  for (const column of ['delay', 'day', 'at']) {
    await call('GET', '/v1/tables/{name}/columns/{column}/histogram', { ...t, column }, 200, { query: '?bins=4' });
  }
  for (const column of ['origin', 'delay']) {
    await call('GET', '/v1/tables/{name}/columns/{column}/distinct', { ...t, column }, 200, { query: '?limit=2' });
  }
  await call('GET', '/v1/tables/{name}/rows', t, 200, { query: '?limit=2&format=json' });
  await call('GET', '/v1/tables/{name}/rows', t, 200, { query: '?select=origin,n:count()&format=json' });
  await call('POST', '/v1/tables/{name}/query', t, 200, { ...json({ where: { column: 'delay', op: 'gt', value: 0 } }), method: 'POST' });

  const compacted = (await call('POST', '/v1/tables/{name}/compact', t, 200, { method: 'POST' })) as { compacted: boolean };
  assert.equal(compacted.compacted, true);
  await call('POST', '/v1/tables/{name}/vacuum', t, 200, { method: 'POST' });
  // After compaction the description's distinct counts are exact (one row group): the non-null branch.
  await call('GET', '/v1/tables/{name}', t, 200);
  await call('GET', '/v1/tables/{name}/stats', t, 200);

  // Problems have the declared shape too.
  await call('GET', '/v1/tables/{name}', { name: 'missing' }, 404);
  await call('POST', '/v1/tables/{name}', t, 409, { ...csv(CSV_A), method: 'POST' });
  await call('GET', '/v1/tables/{name}/rows', t, 400, { query: '?limit=x' });
  await call('GET', '/v1/tables/{name}/columns/{column}/histogram', { ...t, column: 'origin' }, 400);

  await call('DELETE', '/v1/tables/{name}', { name: 'other' }, 204, { method: 'DELETE' });

  // Coverage: every operation the document answers with a JSON body was called above.
  const jsonOps: string[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const answersJson = Object.entries(op.responses).some(
        ([status, r]) => status.startsWith('2') && r.$ref === undefined && r.content?.['application/json'] !== undefined,
      );
      if (answersJson || Object.values(op.responses).some((r) => r.$ref === '#/components/responses/QueryAnswer')) {
        jsonOps.push(`${method.toUpperCase()} ${template}`);
      }
    }
  }
  assert.ok(jsonOps.length >= 15, `the document lists ${jsonOps.length} JSON operations`);
  assert.deepEqual(
    jsonOps.filter((op) => !called.has(op)),
    [],
    'operations answering JSON that this test never called',
  );
});
