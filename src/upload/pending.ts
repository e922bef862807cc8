// A writer's registration of the file it is about to write (docs/ARCHITECTURE.md "Commit protocol"):
// registered in the catalog before the first byte, renewed while the writer works, consumed by the
// commit, released when the writer gives up. Vacuum never deletes a file whose registration is live,
// and a commit whose registration vacuum doomed fails cleanly (FileCollected, 503): so no version can
// reference a deleted file, whatever NCF_ORPHAN_GRACE is.

import { hostname } from 'node:os';
import type { ServiceContext } from '../context.js';

/** How long a registration lives without renewal: a writer that stops renewing (its process died)
 *  frees its file for vacuum this long after its last renewal. */
export const PENDING_LEASE_MS = 10 * 60_000;
/** Renewals per lease: a few missed ones (a busy catalog) do not let the lease lapse. */
const RENEWALS_PER_LEASE = 4;

const HOST = hostname();
const OWNER = `${HOST}:${process.pid}`;

/** Whether a registration's owner is a process of this host that no longer exists (killed, crashed):
 *  its files need not wait for the lease. Owners elsewhere are never judged gone. A wrong "gone" (a
 *  reused host name in another pid namespace) costs that writer a clean 503, never a broken table. */
export function ownerIsGone(owner: string): boolean {
  const i = owner.lastIndexOf(':');
  if (i < 0 || owner.slice(0, i) !== HOST) return false;
  const pid = Number(owner.slice(i + 1));
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface PendingFile {
  readonly key: string;
  /** Stops renewing (call once the commit returned, whatever its outcome). */
  stop(): void;
  /** Stops renewing and forgets the registration: the writer deleted its file. Never throws (an
   *  unreleased registration lapses after the lease). */
  release(): Promise<void>;
}

/** Registers `key` before its file is created; throws (503 when the catalog is down) with nothing written. */
export async function registerPending(ctx: ServiceContext, key: string): Promise<PendingFile> {
  await ctx.catalog.registerPending(key, PENDING_LEASE_MS, OWNER);
  const timer = setInterval(() => {
    // A failed renewal is retried at the next tick; a lapsed one makes the commit fail cleanly.
    ctx.catalog.renewPending(key, PENDING_LEASE_MS).catch(() => {});
  }, PENDING_LEASE_MS / RENEWALS_PER_LEASE);
  timer.unref();
  const stop = () => clearInterval(timer);
  return {
    key,
    stop,
    async release() {
      stop();
      await ctx.catalog.releasePending(key).catch(() => {});
    },
  };
}
