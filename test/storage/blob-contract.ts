// The behaviour every BlobStore implementation must have (local folder now, S3 later). An
// implementation's test file calls blobStoreContract(name, makeStore) with a factory for a fresh,
// empty store.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StorageError } from '../../storage/errors.js';
import { newFileKey, newId } from '../../storage/keys.js';
import type { BlobStore } from '../../storage/types.js';

export interface BlobStoreFixture {
  /** Opens a store on this fixture's storage; opening again after close() sees the same blobs. */
  open(): Promise<BlobStore>;
  destroy(): Promise<void>;
}

export const BAD_KEYS = [
  '',
  '..',
  '../x.ncf',
  '../t/x.ncf',
  't/../x.ncf',
  't/x/../../y.ncf',
  '/abs/x.ncf',
  '/x.ncf',
  't/x.txt',
  't/x',
  'x.ncf',
  't/u/x.ncf',
  't//x.ncf',
  't\\x.ncf',
  'C:\\t\\x.ncf',
  't/.x.ncf',
  't/x.ncf/',
  ' t/x.ncf',
  't/x.ncf\n',
  't/x.ncf\0',
  't name/x.ncf',
  'ü/x.ncf',
  `${'a'.repeat(65)}/x.ncf`,
];

async function listAll(store: BlobStore): Promise<Map<string, { size: number; modified: Date }>> {
  const out = new Map<string, { size: number; modified: Date }>();
  for await (const e of store.list()) {
    assert.ok(!out.has(e.key), `${e.key} listed twice`);
    out.set(e.key, { size: e.size, modified: e.modified });
  }
  return out;
}

async function put(store: BlobStore, key: string, bytes: Uint8Array, pieces = 3): Promise<void> {
  const sink = await store.createSink(key);
  const step = Math.ceil(bytes.length / pieces) || 1;
  for (let p = 0; p < bytes.length; p += step) await sink.write(bytes.subarray(p, p + step));
  await sink.finish();
}

async function readAll(store: BlobStore, key: string): Promise<Uint8Array> {
  const src = await store.openSource(key);
  try {
    return await src.read(0, src.size);
  } finally {
    await src.close?.();
  }
}

const isCode = (code: string) => (e: unknown) => e instanceof StorageError && e.code === code;

export function blobStoreContract(name: string, makeStore: () => Promise<BlobStoreFixture>): void {
  async function withStore(fn: (s: BlobStore, fx: BlobStoreFixture) => Promise<void>): Promise<void> {
    const fx = await makeStore();
    const opened: BlobStore[] = [];
    const track: BlobStoreFixture = {
      open: async () => {
        const s = await fx.open();
        opened.push(s);
        return s;
      },
      destroy: fx.destroy,
    };
    try {
      await fn(await track.open(), track);
    } finally {
      for (const s of opened) await s.close();
      await fx.destroy();
    }
  }

  describe(`BlobStore contract: ${name}`, () => {
    it('a written file is visible only after finish, with exactly the bytes written', async () => {
      await withStore(async (s) => {
        const key = newFileKey(newId());
        const bytes = randomBytes(300_000);
        const sink = await s.createSink(key);
        await sink.write(bytes.subarray(0, 1000));
        await sink.write(bytes.subarray(1000, 250_000));
        await assert.rejects(s.openSource(key), isCode('BLOB_NOT_FOUND'));
        assert.equal((await listAll(s)).size, 0);
        await sink.write(bytes.subarray(250_000));
        const before = Date.now();
        await sink.finish();
        assert.deepEqual(Buffer.from(await readAll(s, key)), bytes);
        const listed = await listAll(s);
        assert.deepEqual([...listed.keys()], [key]);
        assert.equal(listed.get(key)!.size, bytes.length);
        const modified = listed.get(key)!.modified.getTime();
        assert.ok(Math.abs(modified - before) < 60_000, `modified ${modified} is not about now (${before})`);
      });
    });

    it('the sink keeps its own copy: the caller may reuse a buffer after write resolves', async () => {
      await withStore(async (s) => {
        const key = newFileKey(newId());
        const buf = new Uint8Array(16);
        const sink = await s.createSink(key);
        buf.fill(1);
        await sink.write(buf);
        buf.fill(2);
        await sink.write(buf);
        buf.fill(3);
        await sink.finish();
        assert.deepEqual([...(await readAll(s, key))], [...new Array(16).fill(1), ...new Array(16).fill(2)]);
      });
    });

    it('an empty file can be written and read', async () => {
      await withStore(async (s) => {
        const key = newFileKey(newId());
        await (await s.createSink(key)).finish();
        const src = await s.openSource(key);
        assert.equal(src.size, 0);
        assert.equal((await src.read(0, 0)).length, 0);
        await src.close?.();
      });
    });

    it('abort leaves nothing, and the key can be written afterwards', async () => {
      await withStore(async (s) => {
        const key = newFileKey(newId());
        const sink = await s.createSink(key);
        await sink.write(randomBytes(5000));
        await sink.abort();
        await sink.abort();
        await assert.rejects(s.openSource(key), isCode('BLOB_NOT_FOUND'));
        assert.equal((await listAll(s)).size, 0);
        const bytes = randomBytes(10);
        await put(s, key, bytes);
        assert.deepEqual(Buffer.from(await readAll(s, key)), bytes);
      });
    });

    it('ranged reads return exactly the requested bytes; reads outside the file are refused', async () => {
      await withStore(async (s) => {
        const key = newFileKey(newId());
        const bytes = randomBytes(70_000);
        await put(s, key, bytes, 7);
        const src = await s.openSource(key);
        try {
          assert.equal(src.size, bytes.length);
          await fc.assert(
            fc.asyncProperty(fc.nat({ max: bytes.length }), fc.nat({ max: bytes.length }), async (a, b) => {
              const offset = Math.min(a, b);
              const length = Math.max(a, b) - offset;
              const got = await src.read(offset, length);
              assert.equal(got.length, length);
              assert.ok(Buffer.from(got).equals(bytes.subarray(offset, offset + length)));
            }),
            { numRuns: 150 },
          );
          // The footer read: the last bytes of the file.
          assert.ok(Buffer.from(await src.read(bytes.length - 44, 44)).equals(bytes.subarray(bytes.length - 44)));
          for (const [o, l] of [
            [bytes.length, 1],
            [bytes.length - 10, 11],
            [-1, 5],
            [0, bytes.length + 1],
          ] as const) {
            await assert.rejects(src.read(o, l), `read(${o}, ${l})`);
          }
        } finally {
          await src.close?.();
        }
      });
    });

    it('keys that are not "<tableId>/<fileId>.ncf" are rejected by every method', async () => {
      await withStore(async (s) => {
        for (const key of BAD_KEYS) {
          const msg = `key ${JSON.stringify(key)}`;
          await assert.rejects(s.createSink(key), isCode('INVALID_KEY'), msg);
          await assert.rejects(s.openSource(key), isCode('INVALID_KEY'), msg);
          await assert.rejects(s.delete(key), isCode('INVALID_KEY'), msg);
        }
        assert.equal((await listAll(s)).size, 0);
      });
    });

    it('list returns every finished file with its size, and skips writes in progress', async () => {
      await withStore(async (s) => {
        const expected = new Map<string, number>();
        for (let t = 0; t < 3; t++) {
          const tableId = newId();
          for (let f = 0; f <= t; f++) {
            const key = newFileKey(tableId);
            const size = 100 * t + f;
            await put(s, key, randomBytes(size));
            expected.set(key, size);
          }
        }
        const pending = await s.createSink(newFileKey(newId()));
        await pending.write(randomBytes(100));
        const listed = await listAll(s);
        assert.deepEqual(new Map([...listed].map(([k, v]) => [k, v.size])), expected);
        for (const v of listed.values()) assert.ok(v.modified instanceof Date && !Number.isNaN(v.modified.getTime()));
        await pending.abort();
      });
    });

    it('list(prefix) returns exactly the finished files whose key starts with the prefix', async () => {
      await withStore(async (s) => {
        const all: string[] = [];
        const tables = [newId(), newId(), newId()];
        for (const [t, tableId] of tables.entries()) {
          for (let f = 0; f <= t; f++) {
            const key = newFileKey(tableId);
            await put(s, key, randomBytes(10 + f));
            all.push(key);
          }
        }
        const pending = await s.createSink(newFileKey(tables[2]!));
        await pending.write(randomBytes(100));
        const listed = async (prefix?: string) => {
          const out: string[] = [];
          for await (const e of s.list(prefix)) out.push(e.key);
          return out.sort();
        };
        const expect = (prefix: string) => all.filter((k) => k.startsWith(prefix)).sort();
        for (const tableId of tables) assert.deepEqual(await listed(`${tableId}/`), expect(`${tableId}/`), tableId);
        const oneKey = all.at(-1)!;
        // Prefixes that cut a table id, or a file name, or match nothing; none and '' mean all.
        for (const prefix of [
          tables[1]!.slice(0, 3),
          tables[0]!.slice(0, 1),
          oneKey.slice(0, oneKey.length - 6),
          oneKey,
          `${newId()}/`,
          'zz-no-such',
          '',
        ]) {
          assert.deepEqual(await listed(prefix), expect(prefix), JSON.stringify(prefix));
        }
        assert.deepEqual(await listed(), [...all].sort());
        await pending.abort();
      });
    });

    it('tableIds lists the folders of the tables that have files', async () => {
      await withStore(async (s) => {
        assert.deepEqual(await s.tableIds(), []);
        const tables = [newId(), newId(), newId()];
        const keys = new Map<string, string>();
        for (const tableId of tables) {
          const key = newFileKey(tableId);
          await put(s, key, randomBytes(20));
          keys.set(tableId, key);
        }
        assert.deepEqual((await s.tableIds()).sort(), [...tables].sort());
        await s.delete(keys.get(tables[1]!)!);
        assert.deepEqual((await s.tableIds()).sort(), [tables[0]!, tables[2]!].sort());
      });
    });

    it('delete removes a file; deleting a missing key succeeds', async () => {
      await withStore(async (s) => {
        const keep = newFileKey(newId());
        const gone = newFileKey(newId());
        await put(s, keep, randomBytes(10));
        await put(s, gone, randomBytes(20));
        await s.delete(gone);
        await assert.rejects(s.openSource(gone), isCode('BLOB_NOT_FOUND'));
        assert.deepEqual([...(await listAll(s)).keys()], [keep]);
        await s.delete(gone);
        await s.delete(newFileKey(newId()));
        assert.equal((await readAll(s, keep)).length, 10);
      });
    });

    it('finished files survive closing and reopening the store; ping checks readiness', async () => {
      await withStore(async (s, fx) => {
        await s.ping();
        const key = newFileKey(newId());
        const bytes = randomBytes(4096);
        await put(s, key, bytes);
        await s.close();
        const again = await fx.open();
        await again.ping();
        assert.deepEqual(Buffer.from(await readAll(again, key)), bytes);
      });
    });
  });
}
