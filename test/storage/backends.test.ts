// The registry of storage backends (storage/backends.ts): one row per kind, keyed by its kind, one
// embedded default per family, URLs dispatched by scheme, and openStorage opening explicit specs
// through the rows (here: the embedded kinds at paths of their own, away from the data directory).

import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BLOB_BACKENDS, blobsFromUrl, CATALOG_BACKENDS, catalogFromUrl, embeddedBlobs, embeddedCatalog } from '../../storage/backends.js';
import { openStorage } from '../../storage/open.js';
import { withTempDir } from '../helpers.js';

test('each row sits under its own kind, and each family has exactly one embedded default', () => {
  for (const rows of [BLOB_BACKENDS, CATALOG_BACKENDS] as Array<Record<string, { kind: string; embedded?: unknown }>>) {
    for (const [key, row] of Object.entries(rows)) assert.equal(row.kind, key);
    assert.equal(Object.values(rows).filter((r) => r.embedded !== undefined).length, 1);
  }
  assert.deepEqual(embeddedBlobs('/d'), { kind: 'local', dir: join('/d', 'files') });
  assert.deepEqual(embeddedCatalog('/d'), { kind: 'sqlite', path: join('/d', 'catalog.sqlite') });
});

test('URLs go to the backend their scheme names; other schemes to none', () => {
  const s3 = blobsFromUrl('s3://bucket/prefix', { AWS_REGION: 'eu-west-1' });
  assert.ok(s3 !== null && 'kind' in s3 && s3.kind === 's3' && s3.location.bucket === 'bucket', JSON.stringify(s3));
  const bad = blobsFromUrl('s3://B!/x', {});
  assert.ok(bad !== null && 'problems' in bad && bad.problems.length > 0);
  assert.equal(blobsFromUrl('gs://bucket/x', {}), null);
  assert.deepEqual(catalogFromUrl('postgresql://u:p@db:5432/ncf', {}), { kind: 'postgres', url: 'postgresql://u:p@db:5432/ncf' });
  assert.equal(catalogFromUrl('postgres://', {}), null, 'a postgres URL without a host');
  assert.equal(catalogFromUrl('mysql://u@h/db', {}), null);
});

test('openStorage opens explicit specs through their rows', async () => {
  await withTempDir(async (dir) => {
    const s = await openStorage({
      dataDir: join(dir, 'data'),
      blobs: { kind: 'local', dir: join(dir, 'elsewhere', 'files') },
      catalog: { kind: 'sqlite', path: join(dir, 'meta', 'cat.sqlite') },
    });
    try {
      await s.catalog.ping();
      await s.blobs.ping();
    } finally {
      await s.close();
    }
    assert.ok((await stat(join(dir, 'elsewhere', 'files'))).isDirectory());
    assert.ok((await stat(join(dir, 'meta', 'cat.sqlite'))).isFile());
    await assert.rejects(stat(join(dir, 'data', 'catalog.sqlite')), /ENOENT/);
  });
});
