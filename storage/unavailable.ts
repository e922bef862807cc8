// The operating system's words for "not now": errno codes any dependency can raise — a disk that is
// full or failing, a process out of descriptors or memory, a socket refused or reset. Every backend's
// classifier (storage/<kind>/errors.ts) starts from these; the error map (src/http/problem.ts) uses
// them for failures outside the storage guard, such as the upload spool filling the disk.

/** Local-disk and resource failures that say "the storage cannot take this now", not "a bug". */
const RESOURCE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EMFILE', 'ENFILE', 'ENOMEM', 'EAGAIN', 'EBUSY', 'ESTALE']);
/** Socket-level failures: the dependency could not be reached or dropped the connection. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/** The errno-style code of a failure that means "unavailable now", else null. */
export function unavailableCode(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (RESOURCE_CODES.has(code) || NETWORK_CODES.has(code))) return code;
  return null;
}

/** A backend's classifier: the short reason a raw failure means "unavailable now, retry", else null
 *  (a bug, or an error the backend already typed). The guard turns a reason into a 503. */
export type Unavailable = (e: unknown) => string | null;
