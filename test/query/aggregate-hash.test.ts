// The aggregate hash tables and group ids at sizes past several rehashes, against Map oracles; and
// a grouping with many groups over two keys (the pairwise WordTable path) against a naive oracle.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ColumnData } from '../../src/format/column.js';
import { accumulatorFor } from '../../src/query/aggregate/functions.js';
import { coderFor, Grouper } from '../../src/query/aggregate/group.js';
import { BytesTable, WordTable } from '../../src/query/aggregate/hash.js';

test('WordTable gives dense first-seen ids across rehashes', () => {
  const t = new WordTable(4);
  const oracle = new Map<string, number>();
  let x = 12345;
  for (let i = 0; i < 200_000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    const a = x % 70_000,
      b = (x >>> 20) & 1;
    const key = `${a},${b}`;
    let want = oracle.get(key);
    if (want === undefined) {
      want = oracle.size;
      oracle.set(key, want);
    }
    assert.equal(t.insert(a, b), want);
  }
  assert.equal(t.size, oracle.size);
  for (const [key, id] of oracle) {
    const [a, b] = key.split(',').map(Number);
    assert.equal(t.a[id], a);
    assert.equal(t.b[id], b);
  }
});

test('BytesTable keys byte strings of any length, across rehashes and arena growth', () => {
  // Every key comes twice, the second time after all were added: ids must survive every growth.
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 600, maxLength: 3000 }).map((k) => [...k, ...k.reverse()]),
      (keys) => {
        const t = new BytesTable(2);
        const oracle = new Map<string, number>();
        for (const k of keys) {
          const s = Buffer.from(k).toString('latin1');
          let want = oracle.get(s);
          if (want === undefined) {
            want = oracle.size;
            oracle.set(s, want);
          }
          const buf = new Uint8Array(k.length + 6);
          buf.set(k, 3);
          assert.equal(t.insert(buf, 3, 3 + k.length), want);
        }
        for (const [s, id] of oracle) assert.equal(Buffer.from(t.arena.subarray(t.offsets[id]!, t.offsets[id + 1]!)).toString('latin1'), s);
      },
    ),
    { numRuns: 10 },
  );
});

function stringColumn(values: Array<string | null>): ColumnData {
  const parts = values.map((v) => Buffer.from(v ?? ''));
  const offsets = new Int32Array(values.length + 1);
  parts.forEach((p, i) => {
    offsets[i + 1] = offsets[i]! + p.length;
  });
  const validity = new Uint8Array((values.length + 7) >> 3);
  let nulls = 0;
  values.forEach((v, i) => {
    if (v !== null) validity[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  });
  return {
    type: 'string',
    length: values.length,
    nullCount: nulls,
    validity: nulls > 0 ? validity : null,
    values: { kind: 'bytes', offsets, data: new Uint8Array(Buffer.concat(parts)) },
  };
}

test('two keys with ~50k groups over several batches: ids, key columns and counts match a Map', () => {
  const g = new Grouper([coderFor({ name: 's', type: 'string', nullable: true }), coderFor({ name: 'n', type: 'int32', nullable: false })]);
  const count = accumulatorFor('count', null, { name: 'count', type: 'int64', nullable: false });
  const oracle = new Map<string, number>();
  let x = 7;
  for (let b = 0; b < 4; b++) {
    const n = 40_000;
    const s: Array<string | null> = [],
      v = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      const r = (x >>> 8) % 250;
      s.push(r === 0 ? null : r % 3 === 0 ? `long-key-${r}` : `k${r}`);
      v[i] = (x >>> 3) % 200;
      const key = `${s[i]}|${v[i]}`;
      oracle.set(key, (oracle.get(key) ?? 0) + 1);
    }
    const gids = new Int32Array(n);
    g.assign([stringColumn(s), { type: 'int32', length: n, nullCount: 0, validity: null, values: { kind: 'fixed', data: v } }], n, gids);
    count.add(null, gids, n, g.size);
  }
  assert.equal(g.size, oracle.size);
  const [sk, nk] = g.keyColumns();
  const counts = count.result(g.size).values.data as BigInt64Array;
  const so = sk!.values as { offsets: Int32Array; data: Uint8Array };
  for (let i = 0; i < g.size; i++) {
    const isNull = sk!.validity !== null && (sk!.validity[i >> 3]! & (1 << (i & 7))) === 0;
    const sv = isNull ? 'null' : Buffer.from(so.data.subarray(so.offsets[i]!, so.offsets[i + 1]!)).toString();
    const key = `${sv}|${(nk!.values.data as Int32Array)[i]}`;
    assert.equal(Number(counts[i]), oracle.get(key), key);
  }
});

test('the string coder keys short values (with zero bytes) and long ones alike, across its short-table growth', () => {
  const coder = coderFor({ name: 's', type: 'binary', nullable: true });
  const seen = new Map<string, number>();
  let x = 99;
  for (let b = 0; b < 3; b++) {
    const vals: Array<string | null> = [];
    for (let i = 0; i < 30_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      const len = (x >>> 5) % 7; // 0..6 bytes: short (≤ 4) and long keys
      const r = (x >>> 9) % 5000;
      vals.push(
        r === 0 ? null : Buffer.from(Array.from({ length: len }, (_, k) => (r >> (k * 3)) & (k === 1 ? 0 : 0xff))).toString('latin1'),
      );
    }
    const parts = vals.map((v) => Buffer.from(v ?? '', 'latin1'));
    const offsets = new Int32Array(vals.length + 1);
    parts.forEach((p, i) => {
      offsets[i + 1] = offsets[i]! + p.length;
    });
    const validity = new Uint8Array((vals.length + 7) >> 3);
    let nulls = 0;
    vals.forEach((v, i) => {
      if (v !== null) validity[i >> 3]! |= 1 << (i & 7);
      else nulls++;
    });
    const out = new Int32Array(vals.length);
    coder.encode(
      {
        type: 'binary',
        length: vals.length,
        nullCount: nulls,
        validity,
        values: { kind: 'bytes', offsets, data: new Uint8Array(Buffer.concat(parts)) },
      },
      out,
    );
    vals.forEach((v, i) => {
      if (v === null) {
        assert.equal(out[i], 0);
        return;
      }
      const known = seen.get(v);
      if (known === undefined) seen.set(v, out[i]!);
      else assert.equal(out[i], known, `value ${JSON.stringify(v)}`);
    });
  }
  assert.ok(seen.size > 600, `only ${seen.size} distinct values`);
  assert.equal(new Set(seen.values()).size, seen.size, 'distinct values get distinct codes');
  const codes = Int32Array.from([0, ...seen.values()]);
  const col = coder.materialize(codes);
  const v = col.values as { offsets: Int32Array; data: Uint8Array };
  [...seen.keys()].forEach((s, k) =>
    assert.equal(Buffer.from(v.data.subarray(v.offsets[k + 1]!, v.offsets[k + 2]!)).toString('latin1'), s),
  );
  assert.equal(col.nullCount, 1);
});
