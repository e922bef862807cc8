// Content negotiation: ?format= over Accept, q-values and specificity, 406 listing the offers, and
// the Content-Encoding choice.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpProblem } from '../../src/http/errors.js';
import { negotiateContentCoding, negotiateFormat } from '../../src/query/negotiate.js';

function notAcceptable(fn: () => unknown): HttpProblem {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof HttpProblem);
    assert.equal(e.status, 406);
    for (const t of ['application/json', 'application/vnd.apache.arrow.stream', 'application/x-ndjson', 'text/csv']) {
      assert.ok(e.message.includes(t), `406 message lists ${t}: ${e.message}`);
    }
    return e;
  }
  assert.fail('expected 406');
}

test('no Accept, empty Accept and */* give JSON', () => {
  assert.equal(negotiateFormat(undefined, null), 'json');
  assert.equal(negotiateFormat('', null), 'json');
  assert.equal(negotiateFormat('*/*', null), 'json');
  assert.equal(negotiateFormat('application/*', null), 'json');
  assert.equal(negotiateFormat('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', null), 'json');
});

test('exact media types', () => {
  assert.equal(negotiateFormat('application/vnd.apache.arrow.stream', null), 'arrow');
  assert.equal(negotiateFormat('application/x-ndjson', null), 'ndjson');
  assert.equal(negotiateFormat('text/csv', null), 'csv');
  assert.equal(negotiateFormat('text/csv; charset=utf-8', null), 'csv');
  assert.equal(negotiateFormat('TEXT/CSV', null), 'csv');
  assert.equal(negotiateFormat('application/json', null), 'json');
  assert.equal(negotiateFormat('text/*', null), 'csv');
});

test('q-values decide; ties go to the earlier listed, then specificity', () => {
  assert.equal(negotiateFormat('application/json;q=0.5, text/csv', null), 'csv');
  assert.equal(negotiateFormat('application/json;q=0.5, text/csv;q=0.4', null), 'json');
  assert.equal(negotiateFormat('text/csv, application/json', null), 'csv');
  assert.equal(negotiateFormat('application/vnd.apache.arrow.stream;q=0.9, */*;q=0.1', null), 'arrow');
  // A more specific range overrides a wildcard for that type: json is refused, the rest stay at 1.
  assert.equal(negotiateFormat('*/*, application/json;q=0', null), 'arrow');
  assert.equal(negotiateFormat('application/*, application/json;q=0.2', null), 'arrow');
  assert.equal(negotiateFormat('text/csv;q=0.3, application/x-ndjson;q=0.7, application/vnd.apache.arrow.stream;q=0.5', null), 'ndjson');
});

test('406 for nothing acceptable, listing what is offered', () => {
  notAcceptable(() => negotiateFormat('application/xml', null));
  notAcceptable(() => negotiateFormat('application/vnd.apache.arrow.file', null));
  notAcceptable(() => negotiateFormat('application/json;q=0', null));
  notAcceptable(() => negotiateFormat('image/*', null));
  const p = notAcceptable(() => negotiateFormat('application/json', 'xml'));
  assert.equal(p.extra.parameter, 'format');
  assert.match(p.message, /^format: "xml" is not offered/);
});

test('?format= wins over Accept', () => {
  assert.equal(negotiateFormat('application/json', 'arrow'), 'arrow');
  assert.equal(negotiateFormat('application/xml', 'csv'), 'csv');
  assert.equal(negotiateFormat(undefined, 'NDJSON'), 'ndjson');
  assert.equal(negotiateFormat(undefined, 'json'), 'json');
});

test('Accept-Encoding', () => {
  assert.equal(negotiateContentCoding(undefined), 'identity');
  assert.equal(negotiateContentCoding(''), 'identity');
  assert.equal(negotiateContentCoding('gzip'), 'gzip');
  assert.equal(negotiateContentCoding('x-gzip'), 'gzip');
  assert.equal(negotiateContentCoding('br'), 'br');
  assert.equal(negotiateContentCoding('gzip, deflate, br'), 'br');
  assert.equal(negotiateContentCoding('gzip;q=1, br;q=0.5'), 'gzip');
  assert.equal(negotiateContentCoding('deflate'), 'identity');
  assert.equal(negotiateContentCoding('identity'), 'identity');
  // zstd is preferred on ties, and `*` admits it (issue #13: zstd when the client takes it).
  assert.equal(negotiateContentCoding('*'), 'zstd');
  assert.equal(negotiateContentCoding('*;q=0.5, br;q=0'), 'zstd');
  assert.equal(negotiateContentCoding('*;q=0.5, br;q=0, zstd;q=0'), 'gzip');
  assert.equal(negotiateContentCoding('gzip;q=0, br;q=0'), 'identity');
});

test('Accept-Encoding with zstd: a browser gets zstd; q-values and refusals are honoured', () => {
  assert.equal(negotiateContentCoding('gzip, deflate, br, zstd'), 'zstd');
  assert.equal(negotiateContentCoding('ZSTD'), 'zstd');
  assert.equal(negotiateContentCoding('zstd;q=0.5, br'), 'br');
  assert.equal(negotiateContentCoding('zstd;q=0.5, gzip;q=0.8'), 'gzip');
  assert.equal(negotiateContentCoding('zstd;q=0, gzip, deflate, br'), 'br');
  assert.equal(negotiateContentCoding('*;q=0'), 'identity');
  assert.equal(negotiateContentCoding('*;q=0, zstd'), 'zstd');
  assert.equal(negotiateContentCoding('identity'), 'identity');
  assert.equal(negotiateContentCoding('identity, zstd;q=0'), 'identity');
});
