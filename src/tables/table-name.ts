// The table-name rule, shared by the service (src/tables/table-ref.ts answers 400) and the client
// (src/client/check.ts throws NCFUsageError before sending): one place states it. Pure, so the
// client's browser build can import it.

/** A name starts with a letter or underscore, continues with letters, digits or underscores, and has at most 128 characters. */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
