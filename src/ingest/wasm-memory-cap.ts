// Gives a WebAssembly module's own memory a maximum size, by rewriting the limits of its memory
// section before it is compiled. parquet-wasm's module declares its memory with a minimum only, so
// it may grow to WebAssembly's 4 GiB; with a maximum, a growth past it fails inside the module (the
// Rust allocator aborts: `RuntimeError: unreachable`) instead of taking the memory. Used in the
// Parquet worker thread only (parquet-worker.ts), whose abort the parent turns into a 4xx.

import { readFile } from 'node:fs/promises';

const MEMORY_SECTION = 5;
export const WASM_PAGE = 64 * 1024;
export const WASM_MAX_PAGES = 65536; // 4 GiB

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function readLeb(b: Uint8Array, at: number): { value: number; end: number } {
  let value = 0;
  for (let mul = 1; ; mul *= 128) {
    if (at >= b.length) throw new Error('wasm: truncated LEB128');
    const x = b[at++]!;
    value += (x & 0x7f) * mul;
    if ((x & 0x80) === 0) return { value, end: at };
  }
}

/**
 * The module bytes with its one defined memory limited to `maxPages` (at least its minimum), or the
 * bytes unchanged when the module defines no memory or already has a smaller maximum.
 */
export function withMemoryMax(bytes: Uint8Array, maxPages: number): Uint8Array {
  let at = 8; // magic and version
  while (at < bytes.length) {
    const id = bytes[at]!;
    const size = readLeb(bytes, at + 1);
    const body = size.end;
    const end = body + size.value;
    if (id === MEMORY_SECTION) {
      const count = readLeb(bytes, body);
      if (count.value !== 1) return bytes;
      const flags = bytes[count.end]!;
      if (flags !== 0 && flags !== 1) return bytes; // shared or 64-bit memories: leave them
      const min = readLeb(bytes, count.end + 1);
      const max = flags === 1 ? readLeb(bytes, min.end).value : WASM_MAX_PAGES;
      const limit = Math.max(min.value, Math.min(max, maxPages));
      const section = [...leb(1), 1, ...leb(min.value), ...leb(limit)];
      const out = new Uint8Array(bytes.length - (end - at) + 1 + leb(section.length).length + section.length);
      out.set(bytes.subarray(0, at), 0);
      out.set([MEMORY_SECTION, ...leb(section.length), ...section], at);
      out.set(bytes.subarray(end), at + 1 + leb(section.length).length + section.length);
      return out;
    }
    at = end;
  }
  return bytes;
}

type ModuleCtor = { new (bytes: Uint8Array): object; prototype: object } & Record<string, unknown>;
/** The WebAssembly namespace (this project's TypeScript lib has no WebAssembly types). */
const wasmGlobal = (globalThis as unknown as { WebAssembly: { Module: ModuleCtor } }).WebAssembly;

/**
 * Runs `load` (an import that compiles a module synchronously, as parquet-wasm's Node build does)
 * with every module compiled meanwhile given a memory maximum of `maxBytes`; or, given `compiled`
 * (a module compiled from capped bytes, shared by the parent thread), with that module instead.
 */
export async function withCappedModules<T>(maxBytes: number, load: () => Promise<T>, compiled?: object): Promise<T> {
  const Original = wasmGlobal.Module;
  const pages = Math.max(1, Math.min(WASM_MAX_PAGES, Math.floor(maxBytes / WASM_PAGE)));
  // biome-ignore lint/complexity/useArrowFunction: called with `new` in place of WebAssembly.Module
  const Capped = function (bytes: ArrayBuffer | ArrayBufferView) {
    if (compiled !== undefined) return compiled; // already capped, compiled once by the parent thread
    const view =
      bytes instanceof Uint8Array
        ? bytes
        : ArrayBuffer.isView(bytes)
          ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
          : new Uint8Array(bytes);
    return new Original(withMemoryMax(view, pages));
  } as unknown as ModuleCtor;
  for (const k of ['exports', 'imports', 'customSections']) Capped[k] = Original[k];
  Capped.prototype = Original.prototype;
  wasmGlobal.Module = Capped;
  try {
    return await load();
  } finally {
    wasmGlobal.Module = Original;
  }
}

const compiledByCap = new Map<number, Promise<object>>();

/** Page counts are rounded up to a power of two, so a process compiles a few variants at most. */
export function roundedCap(maxBytes: number): number {
  const pages = Math.max(1, Math.min(WASM_MAX_PAGES, Math.ceil(maxBytes / WASM_PAGE)));
  return Math.min(WASM_MAX_PAGES, 2 ** Math.ceil(Math.log2(pages))) * WASM_PAGE;
}

/**
 * The module in `file` compiled (off the event loop) with its memory capped at `capBytes` (from
 * roundedCap), once per cap per process: a compiled module is shared with worker threads, not
 * recompiled (parquet-wasm's 5 MB module takes ~60 ms to compile).
 */
export function compiledCapped(file: string, capBytes: number): Promise<object> {
  let p = compiledByCap.get(capBytes);
  if (p === undefined) {
    const compile = (globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<object> } }).WebAssembly.compile;
    p = readFile(file).then((bytes) => compile(withMemoryMax(bytes, capBytes / WASM_PAGE)));
    p.catch(() => compiledByCap.delete(capBytes));
    compiledByCap.set(capBytes, p);
  }
  return p;
}
