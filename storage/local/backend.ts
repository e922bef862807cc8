// The local folder as a blob-store backend: the embedded default, <dataDir>/files/<tableId>/<fileId>.ncf.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Backend } from '../backend.js';
import { dataDirError } from '../open-errors.js';
import type { BlobStore } from '../types.js';
import { localUnavailable } from './errors.js';

export const FILES_DIR = 'files';

export interface LocalBlobs {
  kind: 'local';
  /** Absolute folder holding the table files. */
  dir: string;
}

export const localBackend: Backend<LocalBlobs, BlobStore> = {
  kind: 'local',
  embedded: (dataDir) => ({ kind: 'local', dir: join(dataDir, FILES_DIR) }),
  async open(spec, ctx) {
    try {
      await mkdir(spec.dir, { recursive: true });
    } catch (e) {
      throw dataDirError(ctx.dataDir, e);
    }
    const { LocalBlobStore } = await import('./blob-store.js');
    return new LocalBlobStore(spec.dir);
  },
  unavailable: localUnavailable,
};
