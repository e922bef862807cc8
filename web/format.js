// How values and sizes are shown: Arrow values as the JSON answer writes them (dates and timestamps
// by value-text.js, the server's one text form: exact to the unit, `Z` only when zoned; 64-bit
// integers in full), byte counts in KiB/MiB.

import { ARROW_UNITS, dateText, timestampText } from './value-text.js';

const MS_PER = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };

/** The text of one Arrow value, or null for a null. A timestamp given as a number is Arrow JS's
 *  Vector#get answer, in milliseconds: digits below a millisecond are lost (cellText keeps them). */
export function formatValue(v, type) {
  if (v === null || v === undefined) return null;
  const { DataType } = globalThis.Arrow;
  const ms = () => (v instanceof Date ? v.getTime() : Number(v));
  if (DataType.isDate(type)) return dateText(Math.floor(ms() / 86400000));
  if (DataType.isTimestamp(type)) {
    const unit = ARROW_UNITS[type.unit];
    const count = typeof v === 'bigint' ? v : BigInt(Math.floor(ms() / MS_PER[unit]));
    return timestampText(count, unit, Boolean(type.timezone));
  }
  if (v instanceof Uint8Array) return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('');
  return String(v);
}

/** The text of row i of an Arrow vector, or null for a null. Timestamps are read from the stored
 *  int64 (Vector#get rounds them to milliseconds), so ns and µs columns show every digit. */
export function cellText(vector, i) {
  if (!vector.isValid(i)) return null;
  if (!globalThis.Arrow.DataType.isTimestamp(vector.type)) return formatValue(vector.get(i), vector.type);
  for (const data of vector.data) {
    if (i < data.length) return formatValue(data.values[i], vector.type);
    i -= data.length;
  }
  return null;
}

export function isNumeric(type) {
  const { DataType } = globalThis.Arrow;
  return DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type);
}

export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatCount(n) {
  return Number(n).toLocaleString('en-US');
}

export function formatTime(iso) {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}
