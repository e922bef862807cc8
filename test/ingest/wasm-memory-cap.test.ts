import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WASM_PAGE, withMemoryMax } from '../../src/ingest/wasm-memory-cap.js';

type Wasm = {
  Module: new (b: Uint8Array) => object;
  Instance: new (m: object) => { exports: Record<string, { grow(n: number): number; buffer: ArrayBuffer }> };
};
const WA = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

// (module (memory (export "m") 1)): a memory section with a minimum of 1 page and no maximum.
const MODULE = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1, 7, 5, 1, 1, 0x6d, 2, 0]);

function memoryOf(bytes: Uint8Array) {
  return new WA.Instance(new WA.Module(bytes)).exports.m!;
}

test('a module whose memory has no maximum grows freely; with withMemoryMax it stops at the cap', () => {
  const free = memoryOf(MODULE);
  free.grow(3);
  assert.equal(free.buffer.byteLength, 4 * WASM_PAGE);
  const capped = memoryOf(withMemoryMax(MODULE, 2));
  capped.grow(1);
  assert.equal(capped.buffer.byteLength, 2 * WASM_PAGE);
  assert.throws(() => capped.grow(1), RangeError);
  assert.equal(capped.buffer.byteLength, 2 * WASM_PAGE);
});

test('a maximum below the minimum keeps the minimum; a module without memory is unchanged', () => {
  const m = memoryOf(withMemoryMax(MODULE, 0));
  assert.equal(m.buffer.byteLength, WASM_PAGE);
  assert.throws(() => m.grow(1), RangeError);
  const none = MODULE.subarray(0, 8);
  assert.equal(withMemoryMax(none, 2), none);
});
