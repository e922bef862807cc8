// Byte-string comparison for string and binary filters and statistics: unsigned bytewise order,
// which for UTF-8 is code point order (FORMAT.md §7). Rows are compared in place as slices of the
// column's data buffer, so no row is ever decoded to a JS string.

/** Sign of a − b as unsigned byte strings (a shorter prefix sorts first). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return compareSlice(a, 0, a.length, b);
}

/** Sign of data[start, end) − lit as unsigned byte strings. */
export function compareSlice(data: Uint8Array, start: number, end: number, lit: Uint8Array): number {
  const n = end - start;
  const m = lit.length;
  const k = n < m ? n : m;
  for (let j = 0; j < k; j++) {
    const d = data[start + j]! - lit[j]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return n === m ? 0 : n < m ? -1 : 1;
}

/** data[start, end) === lit. */
export function equalSlice(data: Uint8Array, start: number, end: number, lit: Uint8Array): boolean {
  const m = lit.length;
  if (end - start !== m) return false;
  for (let j = 0; j < m; j++) if (data[start + j] !== lit[j]) return false;
  return true;
}

/** lit occurs in data at `at` (the caller checks it fits). */
export function occursAt(data: Uint8Array, at: number, lit: Uint8Array): boolean {
  for (let j = 0; j < lit.length; j++) if (data[at + j] !== lit[j]) return false;
  return true;
}

/** FNV-1a of data[start, end): a cheap hash for `in` lists of strings (no allocation). */
export function hashSlice(data: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let j = start; j < end; j++) h = Math.imul(h ^ data[j]!, 0x01000193);
  return h >>> 0;
}

/**
 * An open-addressing table of byte strings: slot holds item index + 1 (0 = empty). Sized to a power
 * of two at least twice the item count, so probes stay short.
 */
export function hashTable(items: readonly Uint8Array[]): Int32Array {
  let size = 4;
  while (size < items.length * 2) size *= 2;
  const table = new Int32Array(size);
  items.forEach((item, i) => {
    let slot = hashSlice(item, 0, item.length) & (size - 1);
    while (table[slot] !== 0) slot = (slot + 1) & (size - 1);
    table[slot] = i + 1;
  });
  return table;
}
