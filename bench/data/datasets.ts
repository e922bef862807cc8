// The benchmark's data sets, generated deterministically from a seed as apache-arrow Tables:
//   users   the original plan's workload: id int64, value float64 uniform [0,1), name "user_<i>";
//   flights a realistic mixed table of 10 columns sorted by ts (timestamps, skewed categories,
//           nullable ints, two-decimal prices, booleans, free text);
//   numeric 10 random numeric columns of about equal stored size, for the projection target.

import * as arrow from 'apache-arrow';
import { Prng, pick, zipfCdf } from '../../test/support/prng.js';
import { Utf8Builder, Validity, boolVector, float64Vector, int32Vector, int64Vector, setInt64, timestampUsVector } from './arrow-build.js';

export interface Dataset {
  name: string;
  description: string;
  table: arrow.Table;
  rows: number;
  /** A timestamp column sorted ascending, for the filtered read (default: `ts` when present). */
  rangeColumn?: string;
  /** A string key and two numeric columns: the group-by `key, count(), avg(avg), max(max)`. */
  groupBy?: { key: string; avg: string; max: string };
  /** The table's source Parquet file (real tables): its size counts toward "best Parquet". */
  sourceParquet?: string;
  /** Some columns are functions of others (issue 15's tighter size target applies). */
  correlated?: boolean;
  /** Real tables: the source file (vega-datasets) and what makes it real. */
  source?: { file: string; traits: string };
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** (a) id 0..n-1, value uniform [0,1) at full double precision, name "user_<id>". */
export function makeUsers(rows: number, seed = 1): Dataset {
  const rng = new Prng(seed);
  const id = new BigInt64Array(rows);
  const idWords = new Uint32Array(id.buffer);
  const value = new Float64Array(rows);
  const name = new Utf8Builder(rows, 12);
  const prefix = ascii('user_');
  for (let i = 0; i < rows; i++) {
    setInt64(idWords, i, i);
    value[i] = rng.float();
    name.appendBytes(prefix);
    name.appendUint(i);
    name.endValue();
  }
  const table = new arrow.Table({ id: int64Vector(id), value: float64Vector(value), name: name.finish() });
  return { name: `users-${label(rows)}`, description: `id int64, value float64, name string; ${label(rows)} rows`, table, rows };
}

const CARRIERS = ['WN', 'DL', 'AA', 'UA', 'B6', 'AS', 'NK', 'F9', 'G4', 'HA', 'SY', 'MQ', 'OO', 'YX', '9E'];
const WORDS = (
  'the flight was delayed due to weather crew late aircraft gate change boarding smooth ' +
  'on time early arrival missed connection bags lost found seat upgrade meal served wifi ' +
  'not working friendly staff long queue at security pilot announced turbulence landing ' +
  'rough taxi runway congestion snow storm de-icing required passenger medical issue'
).split(' ');

const EPOCH_2024_US = Date.UTC(2024, 0, 1) * 1000;
const SPAN_US = 30 * 86_400 * 1_000_000;

interface Airports {
  codes: Uint8Array[];
  cdf: Float64Array /** great-circle miles, [i * count + j] */;
  miles: Int32Array;
}

/** ~300 distinct three-letter codes with coordinates inside the contiguous US, hub-skewed. */
function makeAirports(rng: Prng, count: number): Airports {
  const seen = new Set<string>();
  const codes: Uint8Array[] = [];
  while (codes.length < count) {
    const code = String.fromCharCode(65 + rng.int(26), 65 + rng.int(26), 65 + rng.int(26));
    if (seen.has(code)) continue;
    seen.add(code);
    codes.push(ascii(code));
  }
  const lat = new Float64Array(count);
  const lon = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    lat[k] = 25 + rng.float() * 23;
    lon[k] = -123 + rng.float() * 53;
  }
  const miles = new Int32Array(count * count);
  const rad = Math.PI / 180;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < count; j++) {
      const dLat = (lat[j]! - lat[i]!) * rad;
      const dLon = (lon[j]! - lon[i]!) * rad;
      const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat[i]! * rad) * Math.cos(lat[j]! * rad) * Math.sin(dLon / 2) ** 2;
      miles[i * count + j] = Math.max(50, Math.round(3959 * 2 * Math.asin(Math.sqrt(h))));
    }
  }
  return { codes, cdf: zipfCdf(count, 0.9), miles };
}

/** (b) 10 columns, sorted by ts; see the header of this file and docs/PERFORMANCE.md. */
export function makeFlights(rows: number, seed = 2): Dataset {
  const rng = new Prng(seed);
  const airports = makeAirports(rng, 300);
  const carrierCdf = zipfCdf(CARRIERS.length, 1.1);
  const carrierBytes = CARRIERS.map(ascii);
  const wordBytes = WORDS.map(ascii);

  const ts = new BigInt64Array(rows);
  const tsWords = new Uint32Array(ts.buffer);
  const carrier = new Utf8Builder(rows, 2);
  const origin = new Utf8Builder(rows, 3);
  const dest = new Utf8Builder(rows, 3);
  const flightNo = new Int32Array(rows);
  const flightNoValid = new Validity(rows);
  const delay = new Int32Array(rows);
  const delayValid = new Validity(rows);
  const distance = new Int32Array(rows);
  const price = new Float64Array(rows);
  const cancelled = new Uint8Array(Math.ceil(rows / 8));
  const comment = new Utf8Builder(rows, 40);

  const meanStep = SPAN_US / rows;
  let t = EPOCH_2024_US;
  for (let i = 0; i < rows; i++) {
    t += Math.floor(rng.float() * 2 * meanStep); // increasing with jitter; mean step spans 30 days
    setInt64(tsWords, i, t);

    const c = pick(carrierCdf, rng.float());
    carrier.appendBytes(carrierBytes[c]!);
    carrier.endValue();

    const o = pick(airports.cdf, rng.float());
    let d = pick(airports.cdf, rng.float());
    if (d === o) d = (d + 1 + rng.int(airports.codes.length - 1)) % airports.codes.length;
    origin.appendBytes(airports.codes[o]!);
    origin.endValue();
    dest.appendBytes(airports.codes[d]!);
    dest.endValue();

    if (rng.float() < 0.05) flightNoValid.setNull(i);
    else flightNo[i] = 1 + rng.int(5999);

    const isCancelled = rng.float() < 0.02;
    if (isCancelled) cancelled[i >> 3]! |= 1 << (i & 7);
    if (isCancelled || rng.float() < 0.005) {
      delayValid.setNull(i); // cancelled (and a few diverted) flights have no delay
    } else if (rng.float() < 0.8) {
      delay[i] = Math.round(-12 + 12 * (rng.float() + rng.float() + rng.float() - 1.5)); // mostly early/on time
    } else {
      delay[i] = Math.min(600, 5 + Math.floor(-Math.log(1 - rng.float()) * 45)); // long right tail
    }

    const miles = airports.miles[o * airports.codes.length + d]!;
    distance[i] = miles;
    const fare = (39 + miles * 0.11) * (0.7 + rng.float() * 0.9) + c * 3;
    const cents = Math.min(150_000, Math.max(1999, Math.round(fare * 100)));
    price[i] = cents / 100; // the double nearest to a two-decimal value, as a parser would produce

    if (rng.float() < 0.1) {
      comment.appendNull();
    } else {
      const words = 3 + rng.int(10);
      for (let w = 0; w < words; w++) {
        if (w > 0) comment.appendByte(32);
        comment.appendBytes(wordBytes[rng.int(wordBytes.length)]!);
      }
      comment.appendByte(46); // '.'
      comment.endValue();
    }
  }

  const table = new arrow.Table({
    ts: timestampUsVector(ts),
    carrier: carrier.finish(),
    origin: origin.finish(),
    dest: dest.finish(),
    flight_no: int32Vector(flightNo, flightNoValid),
    delay: int32Vector(delay, delayValid),
    distance: int32Vector(distance),
    price: float64Vector(price),
    cancelled: boolVector(cancelled, rows),
    comment: comment.finish(),
  });
  return {
    name: `flights-${label(rows)}`,
    description: `10 mixed columns sorted by ts; ${label(rows)} rows`,
    table,
    rows,
    groupBy: { key: 'origin', avg: 'delay', max: 'distance' },
  };
}

/** Shaped like issue 12's held-out real table: ts (sorted, whole minutes over half a year), delay
 *  int64 (~450 values, skewed), distance int64 (a function of the origin/dest pair), origin and dest
 *  (~230 skewed three-letter codes each). Not the held-out data: its shape, for same-run ratios. */
export function makeEventShape(rows: number, seed = 4): Dataset {
  const rng = new Prng(seed);
  const airports = makeAirports(rng, 230);
  const n = airports.codes.length;
  const ts = new BigInt64Array(rows);
  const tsWords = new Uint32Array(ts.buffer);
  const delay = new BigInt64Array(rows);
  const delayWords = new Uint32Array(delay.buffer);
  const distance = new BigInt64Array(rows);
  const distanceWords = new Uint32Array(distance.buffer);
  const origin = new Utf8Builder(rows, 3);
  const dest = new Utf8Builder(rows, 3);
  const minuteUs = 60_000_000;
  const spanMinutes = 181 * 24 * 60;
  let minute = 0;
  for (let i = 0; i < rows; i++) {
    // Whole minutes, ascending, several rows per minute on average (like scheduled departures).
    if (rng.float() < spanMinutes / rows) minute++;
    setInt64(tsWords, i, EPOCH_2024_US + minute * minuteUs);
    const o = pick(airports.cdf, rng.float());
    let d = pick(airports.cdf, rng.float());
    if (d === o) d = (d + 1 + rng.int(n - 1)) % n;
    origin.appendBytes(airports.codes[o]!);
    origin.endValue();
    dest.appendBytes(airports.codes[d]!);
    dest.endValue();
    setInt64(distanceWords, i, airports.miles[o * n + d]!);
    // Mostly small early/late minutes, a long right tail capped so ~450 distinct values occur.
    const u = rng.float();
    const v =
      u < 0.75 ? Math.round(-15 + (30 * (rng.float() + rng.float())) / 2) : Math.min(420, Math.floor(-Math.log(1 - rng.float()) * 50));
    // Negative values through the two-word setter: two's complement in the high word.
    delayWords[2 * i] = v >>> 0;
    delayWords[2 * i + 1] = v < 0 ? 0xffffffff : 0;
  }
  const table = new arrow.Table({
    ts: timestampUsVector(ts),
    delay: int64Vector(delay),
    distance: int64Vector(distance),
    origin: origin.finish(),
    dest: dest.finish(),
  });
  return {
    name: `events-${label(rows)}`,
    description: `the held-out table's shape: ts, delay int64, distance int64 = f(origin, dest), two ~230-value strings; ${label(rows)} rows`,
    table,
    rows,
    groupBy: { key: 'origin', avg: 'delay', max: 'distance' },
    correlated: true,
  };
}

/** 10 columns of about equal entropy (5 float64 from different distributions, 5 int64 of 40
 *  random bits), so one column is about a tenth of the file and the projection target is meaningful. */
export function makeNumeric(rows: number, seed = 3): Dataset {
  const rng = new Prng(seed);
  const cols: Record<string, arrow.Vector> = {};
  for (let c = 0; c < 5; c++) {
    const f = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const u = rng.float();
      switch (c) {
        case 0:
          f[i] = u;
          break;
        case 1:
          f[i] = u * 1000 - 500;
          break;
        case 2:
          f[i] = -Math.log(1 - u) * 20;
          break;
        case 3:
          f[i] = Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * rng.float());
          break;
        default:
          f[i] = Math.exp(u * 10);
          break;
      }
    }
    cols[`f${c}`] = float64Vector(f);
  }
  for (let c = 0; c < 5; c++) {
    const v = new BigInt64Array(rows);
    const words = new Uint32Array(v.buffer);
    for (let i = 0; i < rows; i++) setInt64(words, i, rng.u32() * 256 + (rng.u32() & 0xff));
    cols[`i${c}`] = int64Vector(v);
  }
  return {
    name: `numeric-${label(rows)}`,
    description: `5 float64 + 5 int64 random columns; ${label(rows)} rows`,
    table: new arrow.Table(cols),
    rows,
  };
}

/** "100k", "1M", ... for names and tables. */
export function label(rows: number): string {
  if (rows >= 1_000_000 && rows % 1_000_000 === 0) return `${rows / 1_000_000}M`;
  if (rows >= 1000 && rows % 1000 === 0) return `${rows / 1000}k`;
  return String(rows);
}

/** The ts value (µs since the epoch) of row i of a flights table, for building range filters. */
export function tsAt(table: arrow.Table, i: number): bigint {
  const v = table.getChild('ts')!.data[0]!.values as BigInt64Array;
  return v[i]!;
}
