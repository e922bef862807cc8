// What a failure of the local folder means for the service. A local disk speaks errno only: a full,
// failing or read-only disk, a process out of descriptors, a network mount gone away (ENOSPC, EIO,
// EROFS, EMFILE, ESTALE, ...) is "unavailable now" (503 + Retry-After); anything else (ENOENT on a
// referenced file, EACCES) is a bug or damage the blob store has already typed, or a 500.

import { unavailableCode } from '../unavailable.js';

/** The errno code when `e` means the folder cannot take the call now, else null. */
export function localUnavailable(e: unknown): string | null {
  return unavailableCode(e);
}
