// The object-storage blob store against an S3 API emulator (s3rver, started in-process): the shared
// BlobStore contract, multipart uploads and their backpressure and abort, ranged reads of a real NCF
// file counted request by request (by the store and, independently, by the emulator), and the
// mapping of S3 failures to typed storage errors. Without the emulator these tests fail, never skip.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ListMultipartUploadsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NCFReader } from '../../src/format/reader.js';
import { NCFWriter } from '../../src/format/writer.js';
import type { ColumnSchema } from '../../src/format/schema.js';
import { S3BlobStore, type S3BlobStoreOptions } from '../../storage/s3/blob-store.js';
import { StorageError } from '../../storage/errors.js';
import { newFileKey, newId } from '../../storage/keys.js';
import { blobStoreContract } from './blob-contract.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

const MiB = 1024 * 1024;

let server: Promise<S3TestServer> | null = null;
/** One emulator for the file; each store gets its own prefix, so every fixture starts empty. */
function emulator(): Promise<S3TestServer> {
  server ??= startS3Server();
  return server;
}
after(async () => {
  if (server !== null) await (await server).close();
});

function storeOn(srv: S3TestServer, prefix = `${newId()}/`, opts: S3BlobStoreOptions = {}, bucket = srv.bucket): S3BlobStore {
  return new S3BlobStore(
    { bucket, prefix, region: srv.region, endpoint: srv.endpoint, forcePathStyle: true, credentials: srv.credentials },
    opts,
  );
}

function rawClient(srv: S3TestServer): S3Client {
  return new S3Client({
    region: srv.region,
    endpoint: srv.endpoint,
    forcePathStyle: true,
    credentials: srv.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

const isCode = (code: string, status?: number, message?: RegExp) => (e: unknown) =>
  e instanceof StorageError &&
  e.code === code &&
  (status === undefined || e.httpStatus === status) &&
  (message === undefined || message.test(e.message));

/** GETs the emulator received for one blob since `from` (an index into srv.requests). */
function getsOf(srv: S3TestServer, store: S3BlobStore, key: string, from: number): { range?: string }[] {
  const path = `/${srv.bucket}/${store.location.prefix}${key}`;
  return srv.requests.slice(from).filter((r) => r.method === 'GET' && r.path === path);
}

async function listKeys(store: S3BlobStore): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.list()) out.push(e.key);
  return out.sort();
}

blobStoreContract('S3 (s3rver emulator)', async () => {
  const srv = await emulator();
  const prefix = `contract-${newId()}/`;
  return { open: async () => storeOn(srv, prefix), destroy: async () => {} };
});

describe('S3BlobStore', () => {
  let srv: S3TestServer;
  before(async () => {
    srv = await emulator();
  });

  it('writes a 30 MB file as a multipart upload and reads it back with ranged GETs', async () => {
    const store = storeOn(srv);
    try {
      const bytes = randomBytes(30 * 1000 * 1000);
      const key = newFileKey(newId());
      const from = srv.requests.length;
      const sink = await store.createSink(key);
      // Uneven pieces, so parts are cut across write boundaries.
      let p = 0;
      for (let i = 0; p < bytes.length; i++) {
        const n = [1, 3 * MiB + 17, 700_001, 5 * MiB][i % 4]!;
        await sink.write(bytes.subarray(p, p + n));
        p += n;
      }
      await sink.finish();
      const sent = srv.requests.slice(from);
      const parts = sent.filter((r) => r.method === 'PUT').length;
      assert.equal(parts, Math.ceil(bytes.length / (8 * MiB)), 'one UploadPart per 8 MiB');
      assert.equal(sent.filter((r) => r.method === 'POST').length, 2, 'CreateMultipartUpload + CompleteMultipartUpload');
      assert.equal(store.stats.bytesWritten, bytes.length);

      const src = await store.openSource(key);
      assert.equal(src.size, bytes.length);
      const ranges: [number, number][] = [
        [0, 1],
        [1, 4096],
        [8 * MiB - 10, 20],
        [bytes.length - 1, 1],
        [12_345_678, 3 * MiB],
      ];
      for (let k = 0; k < 20; k++) {
        const a = Math.floor(Math.random() * bytes.length);
        ranges.push([a, Math.floor(Math.random() * Math.min(2 * MiB, bytes.length - a))]);
      }
      for (const [o, l] of ranges) {
        assert.ok(Buffer.from(await src.read(o, l)).equals(bytes.subarray(o, o + l)), `read(${o}, ${l})`);
      }
      const whole = Buffer.alloc(bytes.length);
      for (let o = 0; o < bytes.length; o += 4 * MiB) whole.set(await src.read(o, Math.min(4 * MiB, bytes.length - o)), o);
      assert.ok(whole.equals(bytes));
      await src.close?.();
    } finally {
      await store.close();
    }
  });

  it('write() waits while a part is uploading: at most two parts are held in memory', async () => {
    const store = storeOn(srv);
    const hold = srv.hold({ method: 'PUT', query: 'uploadId' });
    try {
      const key = newFileKey(newId());
      const sink = await store.createSink(key);
      const part = randomBytes(8 * MiB);
      await sink.write(part); // fills part 1, which starts uploading and is held
      let resolved = false;
      const second = sink.write(part).then(() => {
        resolved = true;
      });
      await waitFor(() => hold.waiting === 1);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(resolved, false, 'the second part must wait for the first upload');
      assert.equal(hold.waiting, 1, 'only one part in flight');
      hold.release();
      await second;
      await sink.write(part.subarray(0, 100));
      await sink.finish();
      const src = await store.openSource(key);
      assert.equal(src.size, 16 * MiB + 100);
      assert.ok(Buffer.from(await src.read(8 * MiB, 8 * MiB)).equals(part));
    } finally {
      hold.release();
      await store.close();
    }
  });

  it('abort mid-upload leaves no object and no pending multipart upload', async () => {
    const store = storeOn(srv);
    const client = rawClient(srv);
    try {
      const key = newFileKey(newId());
      const sink = await store.createSink(key);
      await sink.write(randomBytes(20 * MiB)); // two parts uploaded, a third one filling
      assert.equal((await srv.pendingUploads(store.location.prefix)).length, 1, 'the upload is pending before abort');
      await sink.abort();
      await sink.abort();
      assert.deepEqual(await srv.pendingUploads(store.location.prefix), []);
      const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: srv.bucket, Prefix: store.location.prefix }));
      assert.deepEqual(listed.Uploads ?? [], []);
      await assert.rejects(store.openSource(key), isCode('BLOB_NOT_FOUND'));
      assert.deepEqual(await listKeys(store), []);
      await assert.rejects(sink.write(new Uint8Array(1)), isCode('STORAGE_STATE', undefined, /aborted/));
      await assert.rejects(sink.finish(), isCode('STORAGE_STATE'));
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('abort while a part is in flight cancels it, then aborts the upload', async () => {
    const store = storeOn(srv);
    const hold = srv.hold({ method: 'PUT', query: 'uploadId' });
    try {
      const key = newFileKey(newId());
      const sink = await store.createSink(key);
      await sink.write(randomBytes(8 * MiB));
      await waitFor(() => hold.waiting === 1);
      await sink.abort();
      hold.release();
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await srv.pendingUploads(store.location.prefix), []);
      await assert.rejects(store.openSource(key), isCode('BLOB_NOT_FOUND'));
    } finally {
      hold.release();
      await store.close();
    }
  });

  it('a small file is one PutObject, and one GET serves every read of it', async () => {
    const store = storeOn(srv);
    try {
      const from = srv.requests.length;
      const key = newFileKey(newId());
      const bytes = randomBytes(2000);
      const sink = await store.createSink(key);
      await sink.write(bytes.subarray(0, 1000));
      await sink.write(bytes.subarray(1000));
      assert.equal(srv.requests.length, from, 'nothing is sent before finish()');
      await sink.finish();
      assert.deepEqual(
        srv.requests.slice(from).map((r) => r.method),
        ['PUT'],
      );
      const src = await store.openSource(key);
      assert.ok(Buffer.from(await src.read(1990, 10)).equals(bytes.subarray(1990)));
      assert.ok(Buffer.from(await src.read(0, 2000)).equals(bytes));
      assert.ok(Buffer.from(await src.read(7, 70)).equals(bytes.subarray(7, 77)));
      assert.equal(getsOf(srv, store, key, from).length, 1);
      assert.equal(src.stats.requests, 1);

      const empty = newFileKey(newId());
      const mark = srv.requests.length;
      await (await store.createSink(empty)).finish();
      assert.deepEqual(
        srv.requests.slice(mark).map((r) => r.method),
        ['PUT'],
      );
      assert.equal((await store.openSource(empty)).size, 0);
    } finally {
      await store.close();
    }
  });

  describe('a real NCF file', () => {
    const n = 200_000;
    const rowGroupRows = 50_000;
    const columns: ColumnSchema[] = [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'a', type: 'float64', nullable: false },
      { name: 'b', type: 'float64', nullable: false },
      { name: 'c', type: 'float64', nullable: false },
      { name: 'd', type: 'float64', nullable: false },
    ];
    const data: Record<string, number[]> = { id: [], a: [], b: [], c: [], d: [] };
    for (let i = 0; i < n; i++) {
      data.id!.push(i);
      // Random doubles do not compress, so each chunk is ~400 KB: far apart, as in real tables.
      for (const c of ['a', 'b', 'c', 'd']) data[c]!.push(Math.random() * 1e6);
    }
    let store: S3BlobStore;
    let key: string;
    before(async () => {
      store = storeOn(srv);
      key = newFileKey(newId());
      const writer = await NCFWriter.open(await store.createSink(key), { schema: columns, rowGroupRows });
      await writer.write(data);
      await writer.close();
    });
    after(async () => {
      await store.close();
    });

    /** Opens a reader and runs a read, counting the GETs of this file at the emulator. */
    async function counted(opts: Parameters<NCFReader['read']>[0]) {
      const from = srv.requests.length;
      const source = await store.openSource(key);
      const reader = await NCFReader.open(source);
      const openGets = getsOf(srv, store, key, from).length;
      const table = await reader.read(opts);
      const gets = getsOf(srv, store, key, from);
      await reader.close();
      await source.close?.();
      return { reader, table, openGets, gets, sourceStats: source.stats };
    }

    it('reads every row back through openSource', async () => {
      const { table } = await counted({});
      assert.equal(table.numRows, n);
      for (const c of columns) {
        const col = table.getChild(c.name)!;
        for (const i of [0, 1, 49_999, 50_000, 123_456, n - 1]) assert.equal(col.get(i), data[c.name]![i], `${c.name}[${i}]`);
      }
    });

    it('opening costs one GET (size and footer); a one-column projection then one GET per row group', async () => {
      const { reader, table, openGets, gets, sourceStats } = await counted({ columns: ['c'] });
      assert.equal(openGets, 1, 'the footer comes with the open request');
      assert.match(gets[0]!.range!, /^bytes=-\d+$/);
      const rowGroups = reader.meta.rowGroups;
      assert.equal(rowGroups.length, n / rowGroupRows);
      assert.equal(gets.length, 1 + rowGroups.length);
      assert.equal(sourceStats.requests, gets.length, "the source's own count agrees with the emulator's");
      // Each chunk GET asks for exactly that chunk's bytes.
      const expected = rowGroups.map((rg) => `bytes=${rg.chunks[3]!.offset}-${rg.chunks[3]!.offset + rg.chunks[3]!.length - 1}`);
      assert.deepEqual(
        gets
          .slice(1)
          .map((g) => g.range)
          .sort(),
        expected.sort(),
      );
      assert.deepEqual(Array.from(table.getChild('c')!.toArray() as Float64Array), data.c);
    });

    it('adjacent chunks are fetched together; distant ones separately', async () => {
      const together = await counted({ columns: ['b', 'c'] });
      assert.equal(together.gets.length, 1 + n / rowGroupRows, 'b and c are adjacent: one GET per row group');
      const apart = await counted({ columns: ['a', 'd'] });
      // a and d are separated by ~800 KB of b and c, far more than the reader's 64 KiB gap.
      assert.equal(apart.gets.length, 1 + 2 * (n / rowGroupRows));
      assert.deepEqual(Array.from(apart.table.getChild('d')!.toArray() as Float64Array), data.d);
    });

    it('a filter pruned by statistics fetches only the surviving row group', async () => {
      const { table, gets } = await counted({ columns: ['id'], where: 'id=gte.150000' });
      assert.equal(table.numRows, n - 150_000);
      assert.equal(gets.length, 2, 'the open request and the id chunk of the last row group');
    });
  });

  describe('errors', () => {
    it('a missing bucket is named in a clear error, from ping and from every operation', async () => {
      const store = storeOn(srv, 'p/', {}, 'no-such-bucket');
      try {
        const missing = isCode(
          'STORAGE_FAILURE',
          500,
          /bucket "no-such-bucket" does not exist \(s3:\/\/no-such-bucket\/p\/ at http:\/\/127\.0\.0\.1:\d+/,
        );
        await assert.rejects(store.ping(), missing);
        await assert.rejects(store.openSource(newFileKey(newId())), missing);
        const sink = await store.createSink(newFileKey(newId()));
        await sink.write(new Uint8Array(10));
        await assert.rejects(sink.finish(), missing);
        await assert.rejects(listKeys(store), missing);
      } finally {
        await store.close();
      }
    });

    it('an endpoint where nothing listens gives 503 StorageUnavailable naming the endpoint', async () => {
      const port = await closedPort();
      const store = new S3BlobStore(
        {
          bucket: 'b',
          prefix: '',
          region: 'us-east-1',
          endpoint: `http://127.0.0.1:${port}`,
          forcePathStyle: true,
          credentials: srv.credentials,
        },
        { maxAttempts: 2 },
      );
      try {
        const unreachable = isCode('STORAGE_UNAVAILABLE', 503, new RegExp(`unreachable.*127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
        await assert.rejects(store.ping(), unreachable);
        await assert.rejects(store.openSource(newFileKey(newId())), unreachable);
        assert.equal(store.stats.requests, 4, 'each call made maxAttempts attempts');
      } finally {
        await store.close();
      }
    });

    it('wrong credentials are refused with a hint, not retried', async () => {
      const store = new S3BlobStore({
        bucket: srv.bucket,
        prefix: '',
        region: srv.region,
        endpoint: srv.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'NOPE', secretAccessKey: 'nope' },
      });
      try {
        await assert.rejects(store.openSource(newFileKey(newId())), isCode('STORAGE_FAILURE', 500, /403 .*AWS_ACCESS_KEY_ID/));
        assert.equal(store.stats.requests, 1);
      } finally {
        await store.close();
      }
    });

    it('transient failures are retried; persistent ones surface as 503 StorageUnavailable', async () => {
      const store = storeOn(srv, undefined, { maxAttempts: 3 });
      try {
        const key = newFileKey(newId());
        const bytes = randomBytes(200_000);
        const sink = await store.createSink(key);
        await sink.write(bytes);
        srv.injectFault({ method: 'PUT', kind: { status: 500, code: 'InternalError' } });
        await sink.finish();
        const src = await store.openSource(key);

        const before = store.stats.requests;
        srv.injectFault({ method: 'GET', count: 2, kind: { status: 503, code: 'SlowDown' } });
        assert.ok(Buffer.from(await src.read(10, 1000)).equals(bytes.subarray(10, 1010)));
        assert.equal(store.stats.requests - before, 3, 'two failed attempts, then success');

        srv.injectFault({ method: 'GET', kind: 'reset' });
        assert.ok(Buffer.from(await src.read(5000, 10)).equals(bytes.subarray(5000, 5010)));

        // A body cut off mid-way is not retried by the client; the source repeats the GET itself.
        const gets = src.stats.requests;
        srv.injectFault({ method: 'GET', kind: 'truncate' });
        assert.ok(Buffer.from(await src.read(1000, 150_000)).equals(bytes.subarray(1000, 151_000)));
        assert.equal(src.stats.requests - gets, 2);
        srv.injectFault({ method: 'GET', count: 3, kind: 'truncate' });
        await assert.rejects(src.read(1000, 150_000), isCode('STORAGE_UNAVAILABLE', 503));

        srv.injectFault({ method: 'GET', count: 3, kind: { status: 503, code: 'SlowDown' } });
        await assert.rejects(src.read(0, 10), isCode('STORAGE_UNAVAILABLE', 503, /SlowDown.*after 3 attempts/));

        srv.injectFault({ method: 'HEAD', count: 3, kind: { status: 500, code: 'InternalError' } });
        await assert.rejects(store.ping(), isCode('STORAGE_UNAVAILABLE', 503));
      } finally {
        await store.close();
      }
    });
  });

  it('list pages through ListObjectsV2 and skips objects that are not blob keys', async () => {
    const store = storeOn(srv, `list-${newId()}/`, { listPageSize: 2 });
    const client = rawClient(srv);
    try {
      const keys: string[] = [];
      for (let i = 0; i < 5; i++) {
        const key = newFileKey(newId());
        const sink = await store.createSink(key);
        await sink.write(randomBytes(i));
        await sink.finish();
        keys.push(key);
      }
      for (const stray of ['README', 'x/y/z.ncf', `${newId()}/notes.txt`]) {
        await client.send(new PutObjectCommand({ Bucket: srv.bucket, Key: store.location.prefix + stray, Body: 'x' }));
      }
      // Another store's prefix in the same bucket is not ours.
      const other = storeOn(srv, `list-${newId()}/`);
      const sink = await other.createSink(newFileKey(newId()));
      await sink.finish();
      await other.close();
      const from = srv.requests.length;
      const sizes = new Map<string, number>();
      for await (const e of store.list()) sizes.set(e.key, e.size);
      assert.deepEqual([...sizes.keys()].sort(), keys.sort());
      for (const [i, k] of keys.entries()) assert.equal(sizes.get(k), i);
      assert.ok(srv.requests.length - from >= 3, 'eight objects at two per page take several pages');
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('sweepTempFiles aborts multipart uploads abandoned before the cutoff', async () => {
    const store = storeOn(srv);
    try {
      const sink = await store.createSink(newFileKey(newId()));
      await sink.write(randomBytes(9 * MiB));
      assert.equal((await srv.pendingUploads(store.location.prefix)).length, 1);
      assert.equal(await store.sweepTempFiles(new Date(Date.now() - 3600_000)), 0, 'a young upload is kept');
      assert.equal(await store.sweepTempFiles(new Date(Date.now() + 60_000)), 1);
      assert.deepEqual(await srv.pendingUploads(store.location.prefix), []);
      await sink.abort(); // the upload is already gone: abort still succeeds
    } finally {
      await store.close();
    }
  });

  it('fromUrl reads the endpoint, region and credentials from the AWS variables', async () => {
    const prefix = `env-${newId()}`;
    const store = S3BlobStore.fromUrl(`s3://${srv.bucket}/${prefix}`, {
      AWS_ENDPOINT_URL: srv.endpoint,
      AWS_REGION: srv.region,
      AWS_ACCESS_KEY_ID: srv.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: srv.credentials.secretAccessKey,
    });
    try {
      assert.equal(store.location.forcePathStyle, true);
      await store.ping();
      const key = newFileKey(newId());
      const sink = await store.createSink(key);
      await sink.write(new Uint8Array([1, 2, 3]));
      await sink.finish();
      assert.ok(
        srv.requests.some((r) => r.method === 'PUT' && r.path === `/${srv.bucket}/${prefix}/${key}`),
        'stored under the prefix',
      );
      assert.deepEqual(await listKeys(store), [key]);
    } finally {
      await store.close();
    }
  });

  it('calls after close are refused', async () => {
    const store = storeOn(srv);
    const key = newFileKey(newId());
    const sink = await store.createSink(key);
    await sink.finish();
    const src = await store.openSource(key);
    await store.close();
    await assert.rejects(store.openSource(key), /closed/);
    await assert.rejects(store.ping(), /closed/);
    await assert.rejects(src.read(0, 0), /closed/);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}
