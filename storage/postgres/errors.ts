// How the PostgreSQL catalog reads driver and server errors: which ones a commit re-runs, and which
// mean the database cannot be reached (→ CatalogUnavailable). Reasons are short codes: a server
// message can name the database or the user, and reasons reach clients in 503 bodies.

import { unavailableCode } from '../unavailable.js';

/** SQLSTATEs after which a commit re-runs: serialization_failure, deadlock_detected, unique_violation. */
export const RETRYABLE = new Set(['40001', '40P01', '23505']);
/** Server errors (SQLSTATE) that mean the catalog cannot be used now, besides classes 08 and 28. */
const UNREACHABLE_STATES: Record<string, string> = {
  '57P01': 'server shutting down',
  '57P02': 'server crashed',
  '57P03': 'server starting up',
  '53300': 'too many connections',
  '3D000': 'database does not exist',
};
/** Socket-level failures (node errno codes) that mean the server cannot be reached. */
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
]);

/** The SQLSTATE of a server error, if it is one. */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A short reason when `e` means the database cannot be reached or went away, else null. */
export function unreachable(e: unknown): string | null {
  if (!(e instanceof Error)) return null;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK.has(code)) return code;
    // The server's own message can name the database or the user: it stays in `cause`, for logs.
    const condition =
      UNREACHABLE_STATES[code] ??
      (code.startsWith('08') ? 'connection exception' : code.startsWith('28') ? 'authentication failed' : undefined);
    if (condition !== undefined) return `${code} ${condition}`;
    // A FATAL error ends the session (e.g. 55000: the database does not accept connections now).
    const severity = (e as { severity?: unknown }).severity;
    if (/^[0-9A-Z]{5}$/.test(code) && (severity === 'FATAL' || severity === 'PANIC')) return `${code} session ended by the server`;
  }
  // Node 20 tries every address of a host name and reports all failures together.
  if (e instanceof AggregateError && e.errors.length > 0) return unreachable(e.errors[0]);
  if (
    /^Connection terminated|Client has encountered a connection error|Connection ended unexpectedly|connection timeout/i.test(e.message)
  ) {
    return e.message;
  }
  return null;
}

/** The backend's classifier (storage/guard.ts): a raw failure that reached the guard means "the
 *  catalog is unavailable now" when it is an errno code or the database cannot be reached. */
export function postgresUnavailable(e: unknown): string | null {
  return unavailableCode(e) ?? unreachable(e);
}
