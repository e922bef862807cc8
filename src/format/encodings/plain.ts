// `plain` (FORMAT.md §5.2): fixed-width values as their little-endian bytes, bool as an LSB-first
// bitmap, string/binary as a nested block of uint32 lengths followed by the concatenated bytes.
// Decoded arrays are zero-copy views of the payload when aligned (the body is a fresh buffer the
// caller owns), copies otherwise.

import { bitmapBytes, type Values } from '../column.js';
import { asBytes, type ByteReader, type ByteWriter } from '../cursor.js';
import { check } from '../errors.js';
import { byteWidthOf, physicalOf, type DataType } from '../schema.js';
import { readLengths, type Nest, type ValueEncoding } from './codec.js';
import { bytesOf, fixedOf, fixedView } from './types.js';

/** Largest total byte length of a bytes column slice: Arrow's Int32 offsets. */
export const MAX_BYTES_LENGTH = 0x7fffffff;

export function encodePlain(type: DataType, values: Values, n: number, w: ByteWriter, depth: number, nest: Nest): void {
  switch (physicalOf(type)) {
    case 'bool': {
      if (values.kind !== 'bool') throw new Error('unreachable: checked by checkValues');
      const len = bitmapBytes(n);
      const dst = w.reserve(len);
      dst.set(values.data.subarray(0, len));
      if (n & 7) dst[len - 1]! &= (1 << (n & 7)) - 1; // bits past n are not data: write them as 0
      return;
    }
    case 'bytes': {
      const { offsets, data } = bytesOf(type, values);
      // Int32Array although the block is uint32: lengths are < 2^31 and read the same, and it keeps the
      // integer scans monomorphic (the same holds for dict indices and rle run lengths).
      const lengths = new Int32Array(n);
      for (let i = 0; i < n; i++) lengths[i] = offsets[i + 1]! - offsets[i]!;
      nest.write(w, 'uint32', { kind: 'fixed', data: lengths }, n, depth + 1);
      w.write(data.subarray(offsets[0]!, offsets[n]!));
      return;
    }
    default: {
      const a = fixedOf(type, values);
      w.write(asBytes(a.subarray(0, n)));
    }
  }
}

export function decodePlain(type: DataType, r: ByteReader, n: number, depth: number, nest: Nest): Values {
  switch (physicalOf(type)) {
    case 'bool':
      return { kind: 'bool', data: r.take(bitmapBytes(n)) };
    case 'bytes': {
      const lengths = readLengths(nest, r, n, depth + 1);
      const offsets = new Int32Array(n + 1);
      // One pass: `total` is a double that only grows, so once it passes 2^31 (where the Int32 offsets
      // would wrap) it stays past it and the check below rejects the payload.
      let total = 0;
      for (let i = 0; i < n; i++) {
        total += lengths[i]!;
        offsets[i + 1] = total;
      }
      check(
        total <= r.remaining && total <= MAX_BYTES_LENGTH,
        `${r.what}: ${type} lengths sum to ${total} bytes but ${Math.min(r.remaining, MAX_BYTES_LENGTH)} are available`,
      );
      return { kind: 'bytes', offsets, data: r.take(total) };
    }
    default: {
      const width = byteWidthOf(type);
      r.need(n * width);
      const start = r.bytes.byteOffset + r.offset;
      if (start % width === 0) {
        const data = fixedView(type, r.bytes.buffer, start, n);
        r.offset += n * width;
        return { kind: 'fixed', data };
      }
      const copy = r.takeAligned(n * width);
      return { kind: 'fixed', data: fixedView(type, copy.buffer, 0, n) };
    }
  }
}

export const plain: ValueEncoding<'plain'> = {
  name: 'plain',
  applies: () => true,
  encode: (type, values, n, w, depth, _plan, nest) => encodePlain(type, values, n, w, depth, nest),
  decode: decodePlain,
};
