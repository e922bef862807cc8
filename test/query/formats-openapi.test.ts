// openapi.yaml documents exactly the format table's formats (src/formats/table.ts): the upload
// routes' request bodies and ?format= values, the query routes' answer media types and ?format=
// values. Adding a format to the table without documenting it (or documenting one that is not in
// the table) fails here.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ANSWER_FORMATS, FORMAT_TABLE, FORMATS_BY_NAME, UPLOAD_FORMATS, uploadMediaTypes } from '../../src/formats/table.js';
import { RENDERERS } from '../../src/query/output/index.js';

interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
}
interface Operation {
  requestBody?: { $ref?: string; content?: Record<string, { schema?: { properties?: Record<string, { enum?: string[] }> } }> };
  responses?: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
  parameters?: { $ref?: string; name?: string; in?: string; schema?: { enum?: string[] } }[];
}

const doc = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as Doc;

function resolve<T>(x: T & { $ref?: string }): T {
  if (x.$ref === undefined) return x;
  const [, , kind, name] = x.$ref.split('/') as [string, string, string, string];
  const target = doc.components[kind]?.[name];
  assert.ok(target !== undefined, `openapi.yaml: ${x.$ref} is not defined`);
  return target as T;
}

function operations(): { where: string; op: Operation }[] {
  const out: { where: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item))
      if (typeof op === 'object' && op !== null) out.push({ where: `${method} ${path}`, op });
  }
  return out;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

function formatParam(op: Operation): string[] | undefined {
  for (const p of op.parameters ?? []) {
    const param = resolve(p);
    if (param.in === 'query' && param.name === 'format') return param.schema?.enum;
  }
  return undefined;
}

test('the upload routes take exactly the format table’s upload formats', () => {
  const uploads = operations().filter(({ op }) => op.requestBody !== undefined && resolve(op.requestBody).content?.['multipart/form-data']);
  assert.ok(uploads.length >= 3, `expected create, replace and append: ${uploads.map((u) => u.where).join(', ')}`);
  const canonical = FORMAT_TABLE.filter((r) => r.upload).map((r) => r.mediaType);
  const accepted = new Set(FORMAT_TABLE.filter((r) => r.upload).flatMap((r) => uploadMediaTypes(r)));
  for (const { where, op } of uploads) {
    const content = resolve(op.requestBody!).content!;
    const raw = Object.keys(content).filter((m) => m !== 'multipart/form-data');
    for (const m of canonical) assert.ok(raw.includes(m), `${where}: ${m} is an upload format's media type but is not documented`);
    for (const m of raw) assert.ok(accepted.has(m), `${where}: documents ${m}, which no upload format in the table takes`);
    assert.deepEqual(
      sorted(content['multipart/form-data']!.schema?.properties?.format?.enum ?? []),
      sorted(UPLOAD_FORMATS),
      `${where}: multipart format`,
    );
    assert.deepEqual(sorted(formatParam(op) ?? []), sorted(UPLOAD_FORMATS), `${where}: ?format=`);
  }
});

test('the query routes answer exactly the format table’s answer formats, each with a renderer', () => {
  const answers = operations().filter(({ op }) => op.responses?.['200']?.$ref === '#/components/responses/QueryAnswer');
  assert.deepEqual(sorted(answers.map((a) => a.where)), ['get /v1/tables/{name}/rows', 'post /v1/tables/{name}/query']);
  const documented = Object.keys(resolve(answers[0]!.op.responses!['200']!).content ?? {});
  assert.deepEqual(sorted(documented), sorted(ANSWER_FORMATS.map((f) => FORMATS_BY_NAME[f].mediaType)));
  assert.deepEqual(sorted(formatParam(answers[0]!.op) ?? []), sorted(ANSWER_FORMATS));
  assert.deepEqual(sorted(Object.keys(RENDERERS)), sorted(ANSWER_FORMATS));
});
