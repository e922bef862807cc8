// Ids and blob keys: ULID shape and ordering, key parsing, and refusal of anything path-like.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StorageError } from '../../storage/errors.js';
import { isId, newFileKey, newId, parseKey, tableIdOfKey } from '../../storage/keys.js';
import { BAD_KEYS } from './blob-contract.js';

describe('ids and keys', () => {
  it('newId is 26 Crockford base32 characters whose first 10 encode the time', () => {
    const now = Date.UTC(2024, 0, 2, 3, 4, 5, 6);
    const id = newId(now);
    assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    let t = 0;
    for (const ch of id.slice(0, 10)) t = t * 32 + '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(ch);
    assert.equal(t, now);
    assert.ok(newId(now) < newId(now + 1), 'later ids sort after earlier ones');
    const ids = new Set(Array.from({ length: 2000 }, () => newId(now)));
    assert.equal(ids.size, 2000, 'random part differs within one millisecond');
  });

  it('newFileKey builds a key parseKey splits back', () => {
    const tableId = newId();
    const key = newFileKey(tableId);
    const { tableId: t, fileId } = parseKey(key);
    assert.equal(t, tableId);
    assert.ok(isId(fileId));
    assert.equal(key, `${tableId}/${fileId}.ncf`);
    assert.equal(tableIdOfKey(key), tableId);
    assert.throws(
      () => newFileKey('../x'),
      (e: unknown) => e instanceof StorageError && e.code === 'INVALID_KEY',
    );
  });

  it('rejects path-like and malformed keys with a message naming the key', () => {
    for (const key of BAD_KEYS) {
      assert.throws(
        () => parseKey(key),
        (e: unknown) => e instanceof StorageError && e.code === 'INVALID_KEY' && e.message.includes(JSON.stringify(key)),
        JSON.stringify(key),
      );
      assert.equal(tableIdOfKey(key), null);
    }
    assert.throws(() => parseKey('../t/x.ncf'), /"\.\." is not allowed/);
    assert.throws(() => parseKey('/t/x.ncf'), /absolute/);
  });

  it('any key that parses has no path traversal', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (key) => {
        let parsed: { tableId: string; fileId: string } | null = null;
        try {
          parsed = parseKey(key);
        } catch (e) {
          assert.ok(e instanceof StorageError);
        }
        if (parsed !== null) {
          assert.equal(key.split('/').length, 2);
          assert.ok(!key.includes('..') && !key.startsWith('/') && !key.includes('\\'));
          assert.equal(key, `${parsed.tableId}/${parsed.fileId}.ncf`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
