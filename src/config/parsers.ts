// How configuration values are read from text: whole numbers with size suffixes, durations, rate
// limits and Cache-Control values, each as a zod parser of an optional variable that reports a bad
// value with the variable's name and what was expected (src/config/vars.ts declares the variables).

import { z } from 'zod';
import { parseCacheControl } from '../query/cache-control.js';

export interface RateLimit {
  max: number;
  windowMs: number;
}

/** The parser of one variable: its text (undefined when unset) to its value. */
export type VarParser<T> = z.ZodType<T, string | undefined>;

/** A whole number from text, with an optional binary size suffix (K, M, G, T; KiB, MB... all 1024-based). */
function sizeOrInt(text: string, sizes: boolean): number | null {
  const m = /^\s*(\d+)\s*([kmgt]i?b?)?\s*$/i.exec(text);
  if (!m) return null;
  if (m[2] !== undefined && !sizes) return null;
  const mult = m[2] === undefined ? 1 : 1024 ** ('kmgt'.indexOf(m[2][0]!.toLowerCase()) + 1);
  const n = Number(m[1]) * mult;
  return Number.isSafeInteger(n) ? n : null;
}

export function intVar(name: string, def: number, min: number, max: number, sizes = false) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return def;
      const n = sizeOrInt(text, sizes);
      if (n === null || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name}=${JSON.stringify(text)}: expected ${sizes ? 'a byte count (e.g. 1048576, 512M, 10G)' : 'a whole number'} from ${min} to ${max}`,
        });
        return z.NEVER;
      }
      return n;
    });
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds from "90s", "15m", "1h", "2d", "500ms" or a bare number of seconds. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!m) return null;
  const n = Number(m[1]) * DURATION_UNITS[(m[2] ?? 's').toLowerCase()]!;
  return Number.isSafeInteger(n) ? n : null;
}

export function durationVar(name: string, defMs: number, maxMs: number, minMs = 0) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return defMs;
      const n = parseDuration(text);
      if (n === null || n > maxMs || n < minMs) {
        const range = maxMs < 86_400_000 ? `${maxMs / 60_000} minutes` : `${maxMs / 86_400_000} days`;
        ctx.addIssue({
          code: 'custom',
          message: `${name}=${JSON.stringify(text)}: expected a duration such as 90s, 15m, 1h or 2d (a bare number is seconds), ${minMs > 0 ? `at least ${minMs} ms and ` : ''}at most ${range}`,
        });
        return z.NEVER;
      }
      return n;
    });
}

const RATE_WINDOWS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  second: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
};

/** "600/min", "20/s", "1000/15m": requests per window. */
export function parseRateLimit(text: string): RateLimit | null {
  const m = /^\s*(\d{1,9})\s*\/\s*(\d{0,6})\s*([a-z]+)\s*$/i.exec(text);
  if (!m) return null;
  const unit = RATE_WINDOWS[m[3]!.toLowerCase()];
  const count = m[2] === '' ? 1 : Number(m[2]);
  const max = Number(m[1]);
  if (unit === undefined || max < 1 || count < 1) return null;
  return { max, windowMs: count * unit };
}

export function cacheControlVar(name: string, def: string) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return def;
      const v = parseCacheControl(text);
      if (v === null) {
        ctx.addIssue({
          code: 'custom',
          message: `${name}=${JSON.stringify(text)}: expected Cache-Control directives separated by commas, such as "private, no-cache" or "public, max-age=60"`,
        });
        return z.NEVER;
      }
      return v;
    });
}
