// How values and sizes are shown: Arrow values as the JSON answer writes them (dates as YYYY-MM-DD,
// timestamps as ISO 8601 in UTC, 64-bit integers in full), byte counts in KiB/MiB.

/** The text of one Arrow value, or null for a null. */
export function formatValue(v, type) {
  if (v === null || v === undefined) return null;
  const { DataType } = globalThis.Arrow;
  if (DataType.isDate(type)) return new Date(v instanceof Date ? v.getTime() : Number(v)).toISOString().slice(0, 10);
  if (DataType.isTimestamp(type)) return new Date(v instanceof Date ? v.getTime() : Number(v)).toISOString();
  if (v instanceof Uint8Array) return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('');
  return String(v);
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
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatCount(n) {
  return Number(n).toLocaleString('en-US');
}

export function formatTime(iso) {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}
