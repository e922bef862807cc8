// The store a catalog contract runs against (catalog-contract.ts, idempotency-contract.ts): its own
// module so the two contracts need not import each other.

import type { Catalog } from '../../storage/types.js';

export interface CatalogFixture {
  /** Opens a catalog on this fixture's store; each call opens another instance on the same store
   *  (two server processes), and opening after close() is how durability is checked. */
  open(): Promise<Catalog>;
  /** Removes the store. */
  destroy(): Promise<void>;
}
