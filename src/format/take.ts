// Row selection on decoded columns: gathers the rows a filter selected into compact ColumnData.

import { dictColumn } from './dict-column.js';
import { allocFixed, bitmapBytes, type ColumnData, type FixedArray, type Values } from './column.js';

/** Returns the rows at `sel` (ascending indexes) of `data` as new ColumnData. */
export function takeRows(data: ColumnData, sel: Uint32Array): ColumnData {
  const m = sel.length;
  const src = data.validity;
  let validity: Uint8Array | null = null;
  let nullCount = 0;
  if (src !== null) {
    validity = new Uint8Array(bitmapBytes(m));
    for (let j = 0; j < m; j++) {
      const i = sel[j]!;
      if (src[i >>> 3]! & (1 << (i & 7))) validity[j >>> 3]! |= 1 << (j & 7);
      else nullCount++;
    }
    if (nullCount === 0) validity = null;
  }
  const d = data.dictionary;
  if (d !== undefined) {
    // Codes only: the entries are shared, so no row's bytes are copied.
    const codes = new Int32Array(m);
    copySelected(d.codes, codes, sel);
    return dictColumn(data.type, m, nullCount, validity, { codes, dict: d.dict });
  }
  return { type: data.type, length: m, nullCount, validity, values: takeValues(data.values, sel, data) };
}

/** Copies selected elements through integer views: bit-exact for NaN payloads, and no BigInt per
 *  value for 64-bit types. */
function takeWords(src: FixedArray, out: FixedArray, sel: Uint32Array): void {
  const m = sel.length;
  const width = src.BYTES_PER_ELEMENT;
  if (width === 8) {
    const s = new Int32Array(src.buffer, src.byteOffset, src.length * 2);
    const o = new Int32Array(out.buffer, out.byteOffset, m * 2);
    for (let j = 0; j < m; j++) {
      const i = sel[j]! * 2;
      o[2 * j] = s[i]!;
      o[2 * j + 1] = s[i + 1]!;
    }
    return;
  }
  if (width === 4) copySelected(new Int32Array(src.buffer, src.byteOffset, src.length), new Int32Array(out.buffer, out.byteOffset, m), sel);
  else if (width === 2)
    copySelected(new Uint16Array(src.buffer, src.byteOffset, src.length), new Uint16Array(out.buffer, out.byteOffset, m), sel);
  else copySelected(new Uint8Array(src.buffer, src.byteOffset, src.length), new Uint8Array(out.buffer, out.byteOffset, m), sel);
}

function copySelected<T extends Int32Array | Uint16Array | Uint8Array>(s: T, o: T, sel: Uint32Array): void {
  for (let j = 0; j < sel.length; j++) o[j] = s[sel[j]!]!;
}

function takeValues(values: Values, sel: Uint32Array, data: ColumnData): Values {
  const m = sel.length;
  if (values.kind === 'fixed') {
    const out = allocFixed(data.type, m);
    takeWords(values.data, out, sel);
    return { kind: 'fixed', data: out };
  }
  if (values.kind === 'bool') {
    const out = new Uint8Array(bitmapBytes(m));
    const src = values.data;
    for (let j = 0; j < m; j++) {
      const i = sel[j]!;
      if (src[i >>> 3]! & (1 << (i & 7))) out[j >>> 3]! |= 1 << (j & 7);
    }
    return { kind: 'bool', data: out };
  }
  const { offsets, data: bytes } = values;
  const outOffsets = new Int32Array(m + 1);
  let total = 0;
  for (let j = 0; j < m; j++) {
    const i = sel[j]!;
    total += offsets[i + 1]! - offsets[i]!;
    outOffsets[j + 1] = total;
  }
  const out = new Uint8Array(total);
  for (let j = 0; j < m; j++) {
    const i = sel[j]!;
    const s = offsets[i]!,
      e = offsets[i + 1]!;
    if (e - s < 16) {
      let p = outOffsets[j]!;
      for (let k = s; k < e; k++) out[p++] = bytes[k]!;
    } else {
      out.set(bytes.subarray(s, e), outOffsets[j]!);
    }
  }
  return { kind: 'bytes', offsets: outOffsets, data: out };
}
