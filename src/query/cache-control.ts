// Cache-Control of query answers (rows, query, histogram, distinct). Answers about the current
// version use NCF_CACHE_CONTROL (default `private, no-cache`: caches keep the answer but revalidate
// it with its ETag, which a new version changes). Answers pinned with `?version=N` use
// NCF_CACHE_CONTROL_VERSIONED (default `private, max-age=3600`): a version's rows never change, but a
// table that is deleted and created again numbers its versions from 1 anew, so the default bounds
// how long such an answer can outlive its table.

export const DEFAULT_CACHE_CONTROL = 'private, no-cache';
export const DEFAULT_CACHE_CONTROL_VERSIONED = 'private, max-age=3600';

// RFC 9111 §5.2: directives are tokens, optionally `=token` or `=quoted-string`, comma-separated.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const DIRECTIVE = new RegExp(`^${TOKEN}(=(${TOKEN}|"([^"\\\\\\x00-\\x1f\\x7f]|\\\\[\\x20-\\x7e])*"))?$`);

/** Checks a Cache-Control value from the configuration; returns it normalized (`a, b=1`) or null. */
export function parseCacheControl(text: string): string | null {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => !DIRECTIVE.test(p))) return null;
  return parts.join(', ');
}

export interface CacheSettings {
  cacheControl: string;
  cacheControlVersioned: string;
}

/** The Cache-Control for an answer; `pinned`: the request named a version (`?version=N`). */
export function cacheControlFor(config: CacheSettings, pinned: boolean): string {
  return pinned ? config.cacheControlVersioned : config.cacheControl;
}
