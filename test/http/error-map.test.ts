// errorProblem is the one map from engine and storage errors to HTTP problems: every engine code
// under each origin, the storage errors by their status, and everything else left to the caller.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NCFError, type NCFErrorCode } from '../../src/format/errors.js';
import { errorProblem, HttpProblem, type ErrorOrigin } from '../../src/http/errors.js';
import { toProblem } from '../../src/http/problem.js';
import { BlobNotFound, CatalogBusy, CatalogConflict, StorageUnavailable, TableNotFound } from '../../storage/errors.js';

// Whose fault, written out by hand: the client's query and upload are theirs, our stored bytes ours.
const EXPECTED: Record<NCFErrorCode, Record<ErrorOrigin, number>> = {
  FILTER: { query: 400, upload: 400, stored: 400 },
  UNKNOWN_COLUMN: { query: 400, upload: 400, stored: 400 },
  INPUT: { query: 422, upload: 422, stored: 422 },
  SCHEMA: { query: 400, upload: 422, stored: 422 },
  UNSUPPORTED: { query: 422, upload: 422, stored: 500 },
  LIMIT: { query: 413, upload: 413, stored: 500 },
  CORRUPT_FILE: { query: 500, upload: 422, stored: 500 },
  CHECKSUM_MISMATCH: { query: 500, upload: 422, stored: 500 },
  STATE: { query: 500, upload: 500, stored: 500 },
};

test('every engine error code maps to one status per origin', () => {
  for (const [code, byOrigin] of Object.entries(EXPECTED)) {
    for (const [origin, status] of Object.entries(byOrigin)) {
      const e = new NCFError(code as NCFErrorCode, `ncf: something about ${code}`, { column: 'c' });
      const p = errorProblem(e, origin as ErrorOrigin)!;
      assert.equal(p.status, status, `${code} from ${origin}`);
      if (status >= 500) {
        assert.equal(p.body().detail.includes(code), false, 'a 500 says nothing of the cause');
        assert.equal(p.cause, e, 'the log gets the engine error');
      } else {
        assert.equal(p.extra.code, code);
      }
    }
  }
});

test('a query mistake drops the engine prefix and names its parameter', () => {
  const e = new NCFError('FILTER', 'ncf: filter on column "x": bad', { column: 'x' });
  assert.deepEqual(errorProblem(e, 'query')!.body(), {
    type: 'https://ncf.dev/problems/bad-query',
    title: 'Bad query',
    status: 400,
    detail: 'filter on column "x": bad',
    code: 'FILTER',
    column: 'x',
    parameter: 'x',
  });
  const where = errorProblem(e, 'query', 'where')!;
  assert.equal(where.message, 'where: filter on column "x": bad');
  assert.equal(where.extra.parameter, 'where');
});

test('storage errors keep their status; 503 asks for a retry; 500 hides the cause', () => {
  assert.equal(errorProblem(new TableNotFound('t'), 'query')!.status, 404);
  assert.equal(errorProblem(new CatalogConflict('t', 'lost a race'), 'upload')!.status, 409);
  for (const e of [new CatalogBusy('commit', 5), new StorageUnavailable('s3 slow')]) {
    const p = errorProblem(e, 'stored')!;
    assert.equal(p.status, 503);
    assert.equal(p.headers['Retry-After'], '1');
  }
  const lost = new BlobNotFound('a/b.ncf');
  const p = errorProblem(lost, 'stored')!;
  assert.equal(p.status, 500);
  assert.equal(JSON.stringify(p.body()).includes('a/b.ncf'), false);
  assert.equal(p.cause, lost);
});

test('anything else is left to the caller, and the error handler uses the same map', () => {
  assert.equal(errorProblem(new Error('bug'), 'query'), null);
  assert.equal(errorProblem(new HttpProblem(418, 'x', 'X', 'x'), 'query'), null);
  assert.equal(toProblem(new TableNotFound('t', 3)).status, 404);
  assert.equal(toProblem(new NCFError('FILTER', 'ncf: bad')).status, 400);
  assert.equal(toProblem(new Error('bug')).status, 500);
});
