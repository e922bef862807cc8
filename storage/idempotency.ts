// Idempotency keys in the catalog, the part every backend shares. A key is recorded in the same
// transaction as the version its request committed, under the table's id (a dropped and re-created
// table starts with no keys), so a crash can never leave rows without their key or a key without its
// rows. A commit that brings a key the table already holds commits nothing and throws
// IdempotencyKeyUsed with the earlier record: that is how two racing retries (on one replica or two)
// end with exactly one version. Keys older than the TTL are collected by the next keyed commit on the
// same table, under its writer lock; dropping a table removes its keys.

import { StorageError } from './errors.js';
import type { IdempotencyRecord } from './types.js';

/** How long a key is kept at least: 24 h, as Stripe and draft-ietf-httpapi-idempotency-key-header suggest. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** The table already holds this key: the request was committed before (or by a racing twin). */
export class IdempotencyKeyUsed extends StorageError {
  readonly record: IdempotencyRecord;
  constructor(table: string, record: IdempotencyRecord) {
    super(
      'IDEMPOTENCY_KEY_USED',
      409,
      `table "${table}" already holds Idempotency-Key ${JSON.stringify(record.key)} (version ${record.version}); nothing was committed again`,
      { table, idempotencyKey: record.key, version: record.version },
    );
    this.name = 'IdempotencyKeyUsed';
    this.record = record;
  }
}

/** Catalog options about keys, for tests: a shorter TTL to see collection happen. */
export interface IdempotencyOptions {
  /** Keys younger than this are kept (default IDEMPOTENCY_TTL_MS). */
  idempotencyTtlMs?: number;
}
