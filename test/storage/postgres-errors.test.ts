// The PostgreSQL catalog's classification of raw failures (storage/postgres/errors.ts
// postgresUnavailable, the guard's classifier for the postgres backend): a refused connection (real,
// from the pg driver) and server states that mean "cannot be used now" are unavailable, with a short
// reason that never carries the server's message; query errors (syntax, conflicts) are not.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import pg from 'pg';
import { postgresUnavailable, RETRYABLE } from '../../storage/postgres/errors.js';

function serverError(code: string, severity = 'ERROR'): Error {
  const e = new pg.DatabaseError('database "secret_db" does something', 0, 'error');
  return Object.assign(e, { code, severity });
}

test('a refused connection, raised by the pg driver itself, is unavailable', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'u', database: 'd', connectionTimeoutMillis: 5000 });
  const e = await client.connect().then(
    () => assert.fail('expected a failure'),
    (err: unknown) => err,
  );
  assert.equal(postgresUnavailable(e), 'ECONNREFUSED', String(e));
});

test('server states: shutting down, connection and authentication classes, FATAL are unavailable; query errors are not', () => {
  assert.equal(postgresUnavailable(serverError('57P01')), '57P01 server shutting down');
  assert.equal(postgresUnavailable(serverError('08006')), '08006 connection exception');
  assert.equal(postgresUnavailable(serverError('28P01')), '28P01 authentication failed');
  assert.equal(postgresUnavailable(serverError('55000', 'FATAL')), '55000 session ended by the server');
  for (const reason of ['57P01', '08006', '28P01', '55000'].map((c) => postgresUnavailable(serverError(c, 'FATAL')))) {
    assert.ok(reason !== null && !reason.includes('secret_db'), `no server message in ${reason}`);
  }
  assert.equal(postgresUnavailable(new Error('Connection terminated unexpectedly')), 'Connection terminated unexpectedly');
  // A commit re-runs these; they are not outages.
  for (const code of RETRYABLE) assert.equal(postgresUnavailable(serverError(code)), null, code);
  assert.equal(postgresUnavailable(serverError('42601')), null, 'a syntax error is a bug');
  assert.equal(postgresUnavailable(new TypeError('a bug')), null);
});
