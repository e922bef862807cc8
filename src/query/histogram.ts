// Equal-width histograms of one numeric, date or timestamp column, for dashboards. The range comes
// from the chunk statistics of the row groups the filter keeps (no extra scan), then that one column
// is scanned and each value counted into its bin with typed-array loops. Integer-valued columns
// (ints, dates, timestamps) get whole-number bin widths, so a bin never splits a value; floats get
// (max − min) / bins, computed so that edges stay finite over any finite range (floatEdges) and each
// value is counted in the bin its edges say. NaN, ±Infinity and nulls are counted apart.

import { badQuery } from '../http/errors.js';
import { arrowDataToColumn } from '../format/arrow.js';
import { words64, TWO_32 } from '../format/int64.js';
import type { ColumnSchema, DataType } from '../format/schema.js';
import type { StatValue } from '../format/stats.js';
import { executePlan, type ScanMetrics } from './execute.js';
import type { QueryPlan } from './plan.js';
import { renderValues, type HeldValue } from './typed-values.js';

export const MAX_BINS = 1000;
export const DEFAULT_BINS = 20;

const NUMERIC: ReadonlySet<DataType> = new Set([
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float32',
  'float64',
  'date',
  'timestamp',
]);

export interface HistogramBin {
  /** Inclusive. */
  lower: unknown;
  /** Exclusive, except for the last bin of a float column, which holds the maximum. */
  upper: unknown;
  count: number;
}

export interface Histogram {
  column: string;
  type: DataType;
  version: number;
  /** Smallest and largest finite value counted (null when there is none). */
  min: unknown;
  max: unknown;
  bins: HistogramBin[];
  /** Values counted into bins. */
  count: number;
  nulls: number;
  /** float columns only. */
  nans?: number;
  negativeInfinity?: number;
  positiveInfinity?: number;
}

/** 400 for columns a histogram cannot bin. */
export function checkHistogramColumn(col: ColumnSchema): void {
  if (!NUMERIC.has(col.type)) {
    throw badQuery(
      `histogram: column ${JSON.stringify(col.name)} is ${col.type}; histograms need a numeric, date or timestamp column (use /distinct for the most frequent values)`,
      { parameter: 'column', column: col.name, columnType: col.type },
    );
  }
}

function isFloat(t: DataType): boolean {
  return t === 'float32' || t === 'float64';
}

/** Range of the column over the planned row groups, from statistics. */
function statsRange(plan: QueryPlan, col: ColumnSchema): { min: StatValue | undefined; max: StatValue | undefined } {
  let min: StatValue | undefined, max: StatValue | undefined;
  for (const f of plan.files) {
    if (f.rowGroups.length === 0) continue;
    const ci = f.reader.columns.findIndex((c) => c.name === col.name);
    const stats = f.reader.stats();
    for (const g of f.rowGroups) {
      const s = stats.rowGroups[g]!.columns[ci]!;
      if (s.min !== undefined && (min === undefined || s.min < min)) min = s.min;
      if (s.max !== undefined && (max === undefined || s.max > max)) max = s.max;
    }
  }
  return { min, max };
}

/** Bin k of an integer value x is floor((x − lo) / width), clamped to [0, bins). 64-bit columns bin
 *  x − min computed from 32-bit halves and keep lo = 0 (in BigInt when the range reaches 2^53).
 *  Float columns bin against their edges (floatBin). */
interface Binner {
  lo: number;
  width: number;
  bins: number;
}

export interface HistogramOptions {
  bins: number;
  signal?: AbortSignal;
  metrics?: ScanMetrics;
}

/** Histogram of the plan's single column (plan from planColumn). */
export async function computeHistogram(plan: QueryPlan, opts: HistogramOptions): Promise<Histogram> {
  const col = plan.columns[0]!;
  checkHistogramColumn(col);
  const float = isFloat(col.type);
  const wide = col.type === 'int64' || col.type === 'uint64' || col.type === 'timestamp';
  let { min, max } = statsRange(plan, col);
  if (float && (min === undefined || !Number.isFinite(min as number) || !Number.isFinite(max as number))) {
    // Statistics hold ±Infinity (or nothing): the finite range needs a pass over the values.
    const r = await finiteRange(plan, opts);
    min = r.min;
    max = r.max;
  }
  const out: Histogram = {
    column: col.name,
    type: col.type,
    version: plan.version.version,
    min: null,
    max: null,
    bins: [],
    count: 0,
    nulls: 0,
  };
  if (float) {
    out.nans = 0;
    out.negativeInfinity = 0;
    out.positiveInfinity = 0;
  }

  let binner: Binner | null = null;
  let floatEdgeList: Float64Array | null = null;
  let exactWide: { lo: bigint; width: bigint } | null = null;
  let lowerEdges: HeldValue[] = [],
    upperEdges: HeldValue[] = [];
  if (min !== undefined && max !== undefined) {
    if (float) {
      const lo = min as number,
        hi = max as number;
      const bins = lo === hi ? 1 : opts.bins;
      const edges = floatEdges(lo, hi, bins, col.type === 'float32');
      floatEdgeList = edges;
      binner = { lo, width: 0, bins };
      for (let i = 0; i < bins; i++) {
        lowerEdges.push(edges[i]!);
        upperEdges.push(edges[i + 1]!);
      }
    } else if (wide) {
      const lo = BigInt(min as bigint),
        hi = BigInt(max as bigint);
      const range = hi - lo + 1n;
      let width = (range + BigInt(opts.bins) - 1n) / BigInt(opts.bins);
      if (width < 1n) width = 1n;
      const bins = Number((range + width - 1n) / width);
      binner = { lo: 0, width: Number(width), bins };
      if (range >= 2n ** 53n) exactWide = { lo, width };
      lowerEdges = Array.from({ length: bins }, (_, i) => lo + BigInt(i) * width);
      upperEdges = Array.from({ length: bins }, (_, i) => lo + BigInt(i + 1) * width);
      // Edges past the type's range cannot be held in it; clamp the last upper edge to the maximum + 1 when needed.
      const top = col.type === 'uint64' ? 2n ** 64n - 1n : 2n ** 63n - 1n;
      upperEdges = upperEdges.map((e) => ((e as bigint) > top ? top : e));
      out.min = renderValues(col, [lo])[0];
      out.max = renderValues(col, [hi])[0];
    } else {
      const lo = min as number,
        hi = max as number;
      const width = Math.max(1, Math.ceil((hi - lo + 1) / opts.bins));
      const bins = Math.ceil((hi - lo + 1) / width);
      binner = { lo, width, bins };
      for (let i = 0; i < bins; i++) {
        lowerEdges.push(lo + i * width);
        upperEdges.push(lo + (i + 1) * width);
      }
    }
    if (!wide) {
      out.min = renderValues(col, [min as number])[0];
      out.max = renderValues(col, [max as number])[0];
    }
  }

  const counts = new Float64Array(binner?.bins ?? 0);
  const loWords = wide && min !== undefined ? words64(BigInt64Array.of(BigInt.asIntN(64, BigInt(min as bigint)))) : null;
  for await (const batch of executePlan(plan, { signal: opts.signal, metrics: opts.metrics })) {
    const data = arrowDataToColumn(batch.data.children[0]!, col);
    const n = data.length;
    const validity = data.nullCount > 0 ? data.validity : null;
    out.nulls += data.nullCount;
    if (data.values.kind !== 'fixed') continue;
    const v = data.values.data;
    // Without a finite range there is nothing to bin, but floats still count NaN and ±Infinity.
    const { lo, width, bins } = binner ?? { lo: 0, width: 1, bins: 0 };
    if (bins === 0 && !float) continue;
    if (wide && exactWide !== null) {
      // A range of 2^53 or more: value − min is not exact as a double, so bins are found in BigInt.
      const { lo: lo64, width: w64 } = exactWide;
      const big = v as BigInt64Array | BigUint64Array;
      for (let i = 0; i < n; i++) {
        if (validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0) continue;
        let k = Number((BigInt(big[i]!) - lo64) / w64);
        if (k >= bins) k = bins - 1;
        else if (k < 0) k = 0;
        counts[k]!++;
      }
    } else if (wide) {
      const w = words64(v as BigInt64Array);
      const unsigned = col.type === 'uint64';
      const loLo = loWords![0]! >>> 0,
        loHi = unsigned ? loWords![1]! >>> 0 : loWords![1]!;
      for (let i = 0; i < n; i++) {
        if (validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0) continue;
        const hi = unsigned ? w[2 * i + 1]! >>> 0 : w[2 * i + 1]!;
        // value − min from 32-bit halves: exact while the range is below 2^53.
        const d = (hi - loHi) * TWO_32 + ((w[2 * i]! >>> 0) - loLo);
        let k = Math.floor(d / width);
        if (k >= bins) k = bins - 1;
        else if (k < 0) k = 0;
        counts[k]!++;
      }
    } else {
      for (let i = 0; i < n; i++) {
        if (validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0) continue;
        const x = v[i] as number;
        if (x !== x) {
          out.nans! += 1;
          continue;
        }
        if (x === Infinity) {
          out.positiveInfinity! += 1;
          continue;
        }
        if (x === -Infinity) {
          out.negativeInfinity! += 1;
          continue;
        }
        if (bins === 0) continue;
        if (floatEdgeList !== null) {
          counts[floatBin(floatEdgeList, x)]!++;
          continue;
        }
        let k = Math.floor((x - lo) / width);
        if (k >= bins) k = bins - 1;
        else if (k < 0) k = 0;
        counts[k]!++;
      }
    }
  }
  const lower = renderValues(col, lowerEdges),
    upper = renderValues(col, upperEdges);
  for (let i = 0; i < counts.length; i++) {
    out.bins.push({ lower: lower[i], upper: upper[i], count: counts[i]! });
    out.count += counts[i]!;
  }
  return out;
}

/** The bins + 1 edges of equal-width float bins from `lo` to `hi`, all finite and non-decreasing,
 *  the first `lo` and the last `hi`. hi − lo overflows to Infinity when the values span more than
 *  the largest double (±1.8e308), so such ranges are computed halved. float32 edges are rounded to
 *  float32 (as they are rendered), and values are binned against these same edges. */
export function floatEdges(lo: number, hi: number, bins: number, float32: boolean): Float64Array {
  const edges = new Float64Array(bins + 1);
  const scale = Number.isFinite(hi - lo) ? 1 : 0.5;
  const l = lo * scale,
    span = hi * scale - lo * scale;
  edges[0] = lo;
  for (let i = 1; i < bins; i++) {
    let e = (l + span * (i / bins)) / scale;
    if (float32) e = Math.fround(e);
    // Rounding may step past a neighbour or an end: keep edges ordered and within [lo, hi].
    edges[i] = Math.min(hi, Math.max(edges[i - 1]!, e));
  }
  edges[bins] = hi;
  return edges;
}

/** The bin of finite `x` in [edges[0], edges[last]]: the last k with edges[k] <= x (bin k is
 *  [edges[k], edges[k + 1]), the last bin also holding its upper edge). */
export function floatBin(edges: Float64Array, x: number): number {
  // Edges may repeat (a range of a few subnormals split in many bins): empty bins are skipped.
  // Invariant: edges[a] <= x (or a = 0), and the bin is below b.
  let a = 0,
    b = edges.length - 1;
  while (b - a > 1) {
    const m = (a + b) >>> 1;
    if (edges[m]! <= x) a = m;
    else b = m;
  }
  return a;
}

/** Finite min and max of a float column over the plan (NaN and ±Infinity skipped). */
async function finiteRange(plan: QueryPlan, opts: HistogramOptions): Promise<{ min: number | undefined; max: number | undefined }> {
  const col = plan.columns[0]!;
  let min = Infinity,
    max = -Infinity;
  for await (const batch of executePlan(plan, { signal: opts.signal, metrics: opts.metrics })) {
    const data = arrowDataToColumn(batch.data.children[0]!, col);
    if (data.values.kind !== 'fixed') continue;
    const v = data.values.data as Float32Array | Float64Array;
    const validity = data.nullCount > 0 ? data.validity : null;
    for (let i = 0; i < data.length; i++) {
      if (validity !== null && (validity[i >>> 3]! & (1 << (i & 7))) === 0) continue;
      const x = v[i]!;
      if (x > -Infinity && x < Infinity) {
        if (x < min) min = x;
        if (x > max) max = x;
      }
    }
  }
  return min <= max ? { min, max } : { min: undefined, max: undefined };
}
