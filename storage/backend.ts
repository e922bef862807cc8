// What a storage backend is to the rest of the service: one row (storage/backends.ts) per kind, each
// declared in its own folder (storage/<kind>/backend.ts). A row says how the configuration names it
// (a URL form, or the embedded default under the data directory), how to open it, and which of its
// raw failures mean "unavailable now" (the guard's 503). Rows load their implementation lazily, so
// an embedded start-up never loads the AWS SDK or pg.

import type { Unavailable } from './unavailable.js';

/** Every backend's configuration is tagged with its kind. */
export interface Spec {
  kind: string;
}

export interface OpenContext {
  /** Absolute data directory (NCF_DATA_DIR): named in messages about embedded stores. */
  dataDir: string;
  /** See SqliteCatalogOptions.busyTimeoutMs (default 5000). */
  busyTimeoutMs?: number;
}

/** How a backend is named by its URL variable (NCF_STORAGE_URL, NCF_CATALOG_URL). */
export interface UrlForm<S extends Spec> {
  /** The form for messages, e.g. `s3://<bucket>[/<prefix>]`. */
  form: string;
  /** Whether `url` names this backend (by its scheme). */
  matches(url: string): boolean;
  /** The spec, or the problems to report (null: not a usable URL of this kind; the caller says what is expected). */
  parse(url: string, env: NodeJS.ProcessEnv): S | { problems: string[] } | null;
}

export interface Backend<S extends Spec, Store> {
  kind: S['kind'];
  /** Present for backends named by URL. */
  url?: UrlForm<S>;
  /** Present for the embedded default: its spec under the data directory. */
  embedded?(dataDir: string): S;
  /** Opens and checks it; failures are StorageOpenError naming the dependency. */
  open(spec: S, ctx: OpenContext): Promise<Store>;
  /** Which raw failures mean "unavailable now" (storage/<kind>/errors.ts). */
  unavailable: Unavailable;
}
