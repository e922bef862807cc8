// The writer chooses costly encodings (dict probe, fsst) once per column and re-checks them cheaply
// on later chunks (select.ts ColumnHint). These tests change a column's shape between row groups and
// check that every chunk still gets the encoding a fresh, hint-free choice gives it (the oracle:
// encodeValues on that chunk's rows alone), that values round-trip, and that the file does not
// depend on worker timing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferSink, NCFReader, NCFWriter, type ColumnSchema } from '../../../src/index.js';
import { encodeValues } from '../../../src/format/encodings/index.js';
import type { Values } from '../../../src/format/column.js';
import { Prng } from '../../support/prng.js';

const GROUP = 32_768;
const GROUPS = 8;
const SWITCH = 4;
const rng = new Prng(12);

const WORDS = 'the quick brown fox jumps over a lazy dog while seven grey owls watch from an old oak tree near river'.split(' ');
const ALPHABET = '!#$%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz{|}~';
const text = (): string => Array.from({ length: 4 + (rng.u32() % 5) }, () => WORDS[rng.u32() % WORDS.length]).join(' ');
/** Random printable characters: fsst finds nothing worth a table, zstd little. */
const noise = (): string => Array.from({ length: 30 + (rng.u32() % 10) }, () => ALPHABET[rng.u32() % ALPHABET.length]).join('');
/** All distinct and random: neither dict nor fsst. */
const distinct = (i: number): string => `${noise().slice(0, 12)}${i}`;
const CITIES = Array.from({ length: 20 }, (_, k) => `city-${k}`);

/** Each column is one shape for the first SWITCH groups and another after. */
function rows(): Record<string, unknown[]> {
  const n = GROUP * GROUPS;
  const cut = GROUP * SWITCH;
  const out: Record<string, unknown[]> = { manyThenFew: [], fewThenMany: [], textThenNoise: [], noiseThenText: [], intsManyThenFew: [] };
  for (let i = 0; i < n; i++) {
    const before = i < cut;
    out.manyThenFew!.push(before ? distinct(i) : CITIES[rng.u32() % CITIES.length]);
    out.fewThenMany!.push(before ? CITIES[rng.u32() % CITIES.length] : distinct(i));
    out.textThenNoise!.push(before ? text() : noise());
    out.noiseThenText!.push(before ? noise() : text());
    // Few values spread wide, so a dictionary beats bit packing them.
    out.intsManyThenFew!.push(before ? rng.u32() : 1_000_000_000 + (rng.u32() % 50) * 7_919_113);
  }
  return out;
}

const SCHEMA: ColumnSchema[] = [
  { name: 'manyThenFew', type: 'string', nullable: false },
  { name: 'fewThenMany', type: 'string', nullable: false },
  { name: 'textThenNoise', type: 'string', nullable: false },
  { name: 'noiseThenText', type: 'string', nullable: false },
  { name: 'intsManyThenFew', type: 'uint32', nullable: false },
];

async function write(data: Record<string, unknown[]>): Promise<Uint8Array> {
  const sink = new BufferSink();
  const w = await NCFWriter.open(sink, { schema: SCHEMA, rowGroupRows: GROUP });
  await w.write(data);
  await w.close();
  return sink.result!;
}

/** A group's rows of one column as Values, for the hint-free oracle. */
function valuesOf(col: ColumnSchema, items: unknown[]): Values {
  if (col.type === 'uint32') return { kind: 'fixed', data: Uint32Array.from(items as number[]) };
  const enc = new TextEncoder();
  const parts = items.map((s) => enc.encode(s as string));
  const offsets = new Int32Array(parts.length + 1);
  for (let i = 0; i < parts.length; i++) offsets[i + 1] = offsets[i]! + parts[i]!.length;
  const data = new Uint8Array(offsets[parts.length]!);
  for (let i = 0; i < parts.length; i++) data.set(parts[i]!, offsets[i]!);
  return { kind: 'bytes', offsets, data };
}

test('per-column choices are re-evaluated when a column changes shape', async () => {
  const data = rows();
  const file = await write(data);
  const reader = await NCFReader.open(file);
  const groups = reader.meta.rowGroups;
  assert.equal(groups.length, GROUPS);
  for (const [c, col] of SCHEMA.entries()) {
    const got = groups.map((g) => g.chunks[c]!.encoding);
    const fresh = groups.map((_, g) => {
      const items = data[col.name]!.slice(g * GROUP, (g + 1) * GROUP);
      return encodeValues(col.type, valuesOf(col, items), items.length, null).encoding;
    });
    assert.deepEqual(got, fresh, `column ${col.name}: chunk encodings vs a fresh choice per chunk`);
    // The shape change must actually change the fresh choice, or the column tests nothing.
    assert.notEqual(fresh[0], fresh[GROUPS - 1], `column ${col.name}: both shapes chose ${fresh[0]}`);
  }
  const table = await reader.read();
  for (const col of SCHEMA) {
    const v = table.getChild(col.name)!;
    const want = data[col.name]!;
    for (let i = 0; i < want.length; i += 997) assert.equal(v.get(i), want[i], `${col.name} row ${i}`);
  }
  await reader.close();
});

test('the chunks do not depend on worker timing (two writes, same chunk hashes)', async () => {
  const data = rows();
  const hashes = async (): Promise<number[]> => {
    const reader = await NCFReader.open(await write(data));
    const out = reader.meta.rowGroups.flatMap((g) => g.chunks.map((c) => c.hash));
    await reader.close();
    return out;
  };
  assert.deepEqual(await hashes(), await hashes());
});
