// One Arrow dictionary per column per scan: each row group's dictionary (codes + entries) is folded
// into the scan's dictionary, so a record batch's dictionary is the previous batch's plus the entries
// first seen in it, appended as one more Data chunk. An IPC writer then sends a delta dictionary
// batch (isDelta) before a batch that brings new entries and nothing before one that does not —
// what every reader handles (apache-arrow 14 keeps the first of two replacement dictionaries).
// Each entry of a row group's dictionary is looked up once; rows are remapped code by code.

import * as arrow from 'apache-arrow';
import type { DictCodes } from './column.js';

export class DictionaryUnifier {
  private readonly ids = new Map<string, number>();
  private readonly chunks: arrow.Data[] = [];
  private vector: arrow.Vector | null = null;

  constructor(private readonly type: arrow.Dictionary) {}

  /** The codes of `d` (n rows) in the scan's dictionary, and that dictionary as of this batch. */
  add(d: DictCodes, n: number): { codes: Int32Array; dictionary: arrow.Vector } {
    const { offsets, data } = d.dict;
    const count = offsets.length - 1;
    const map = new Int32Array(count);
    const fresh: number[] = [];
    let identity = true;
    for (let k = 0; k < count; k++) {
      // latin1 maps each byte to one char: a lossless key for any bytes, UTF-8 or not.
      const key = Buffer.from(data.buffer, data.byteOffset + offsets[k]!, offsets[k + 1]! - offsets[k]!).toString('latin1');
      let id = this.ids.get(key);
      if (id === undefined) {
        id = this.ids.size;
        this.ids.set(key, id);
        fresh.push(k);
      }
      map[k] = id;
      if (id !== k) identity = false;
    }
    if (fresh.length > 0 || this.vector === null) {
      this.chunks.push(this.entries(d, fresh));
      this.vector = new arrow.Vector(this.chunks.slice());
    }
    let codes = d.codes;
    if (!identity) {
      codes = new Int32Array(n);
      const src = d.codes;
      for (let i = 0; i < n; i++) codes[i] = map[src[i]!]!;
    }
    return { codes, dictionary: this.vector };
  }

  /** Entries `pick` of d's dictionary as one Arrow Data chunk of the dictionary's value type. */
  private entries(d: DictCodes, pick: number[]): arrow.Data {
    const { offsets, data } = d.dict;
    const outOffsets = new Int32Array(pick.length + 1);
    let total = 0;
    for (let j = 0; j < pick.length; j++) {
      total += offsets[pick[j]! + 1]! - offsets[pick[j]!]!;
      outOffsets[j + 1] = total;
    }
    const bytes = new Uint8Array(total);
    for (let j = 0; j < pick.length; j++) bytes.set(data.subarray(offsets[pick[j]!]!, offsets[pick[j]! + 1]!), outOffsets[j]!);
    return new arrow.Data(this.type.dictionary, 0, pick.length, 0, [outOffsets, bytes, null] as never);
  }
}
