// The storage backends, one row per kind: blob stores hold the table files, catalogs hold the tables'
// versions. The configuration (src/config.ts) names a backend by its URL or takes the embedded default;
// openStorage (open.ts) opens it through its row and guards it with the row's classifier.
// Adding a backend is one folder, storage/<kind>/ (the implementation, its errors.ts classifier and a
// backend.ts row), plus its spec in the union and its row below.

import type { Backend, Spec } from './backend.js';
import { type LocalBlobs, localBackend } from './local/backend.js';
import { type PostgresCatalogSpec, postgresBackend } from './postgres/backend.js';
import { type S3Blobs, s3Backend } from './s3/backend.js';
import { type SqliteCatalogSpec, sqliteBackend } from './sqlite/backend.js';
import type { BlobStore, Catalog } from './types.js';

/** Where the table files are. */
export type BlobsSpec = LocalBlobs | S3Blobs;
/** Where the catalog is. */
export type CatalogSpec = SqliteCatalogSpec | PostgresCatalogSpec;

type Rows<S extends Spec, Store> = { [K in S['kind']]: Backend<Extract<S, { kind: K }>, Store> };

export const BLOB_BACKENDS: Rows<BlobsSpec, BlobStore> = { local: localBackend, s3: s3Backend };
export const CATALOG_BACKENDS: Rows<CatalogSpec, Catalog> = { sqlite: sqliteBackend, postgres: postgresBackend };

// Each family's rows as a list (variance: a row takes only its own kind's spec).
const blobRows = Object.values(BLOB_BACKENDS) as Array<Backend<BlobsSpec, BlobStore>>;
const catalogRows = Object.values(CATALOG_BACKENDS) as Array<Backend<CatalogSpec, Catalog>>;

export const blobBackend = (spec: BlobsSpec) => blobRows.find((r) => r.kind === spec.kind)!;
export const catalogBackend = (spec: CatalogSpec) => catalogRows.find((r) => r.kind === spec.kind)!;

/** The embedded default of a family (its row with `embedded`) under `dataDir`. */
function embedded<S extends Spec>(rows: Array<Backend<S, unknown>>, dataDir: string): S {
  return rows.find((r) => r.embedded)!.embedded!(dataDir);
}

/** The spec a URL names, its problems, or null when no backend of the family takes it. */
function fromUrl<S extends Spec>(rows: Array<Backend<S, unknown>>, url: string, env: NodeJS.ProcessEnv) {
  const row = rows.find((r) => r.url?.matches(url));
  return row === undefined ? null : row.url!.parse(url, env);
}

/** The URL forms a family accepts, for messages ("expected <forms>"). */
function forms(rows: Array<Backend<Spec, unknown>>): string {
  return rows.flatMap((r) => (r.url ? [r.url.form] : [])).join(' or ');
}

export const embeddedBlobs = (dataDir: string): BlobsSpec => embedded(blobRows, dataDir);
export const embeddedCatalog = (dataDir: string): CatalogSpec => embedded(catalogRows, dataDir);
export const blobsFromUrl = (url: string, env: NodeJS.ProcessEnv) => fromUrl(blobRows, url, env);
export const catalogFromUrl = (url: string, env: NodeJS.ProcessEnv) => fromUrl(catalogRows, url, env);
export const BLOB_URL_FORMS = forms(blobRows);
export const CATALOG_URL_FORMS = forms(catalogRows);
