// An S3 API emulator for the object-storage tests: s3rver (npm) started in-process on a free
// loopback port, over a fresh temp directory, with one bucket. When s3rver cannot be loaded or
// started this throws, so the tests fail rather than skip.
//
// s3rver 3.7.1 (its last release) lacks or mishandles a few operations real S3, MinIO and the store
// rely on; they are patched here, once per process, so the store itself speaks plain S3:
// - ranged GET: `bytes=-N` (suffix ranges) is read as `bytes=0-N`, and `bytes=a-0` returns the whole
//   object; ranges on an empty object answer 206 with one phantom byte. Ranged GETs are served here
//   with RFC 9110 semantics (416 InvalidRange when unsatisfiable, as S3 does).
// - AbortMultipartUpload (DELETE ?uploadId) answers 405, and ListMultipartUploads (GET ?uploads) 501:
//   both are added, behind s3rver's own authentication and bucket checks.
// - UploadPart to an aborted or unknown upload re-creates the upload's folder and stores the part;
//   S3 answers 404 NoSuchUpload, and so does the patched emulator.
// - ListObjectsV2 fails with 500 on any truncated page: its continuation tokens use DES, which
//   OpenSSL 3 (Node >= 17) no longer offers. ListObjectsV2 is served here with opaque base64 tokens.
// The server can also inject faults (S3 error responses, dropped connections) into the next
// requests, for the retry and error-mapping tests.

import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** Which requests a fault or a hold applies to. */
export interface RequestMatch {
  /** GET, PUT, HEAD, ...; default any. */
  method?: string;
  /** A parameter the query string must contain, e.g. 'uploadId' for UploadPart; default any. */
  query?: string;
}

export interface Fault extends RequestMatch {
  /** How many matching requests fail (default 1). */
  count?: number;
  /** An S3 error response (e.g. 503 SlowDown), a connection dropped before any response ('reset'),
   *  or one dropped after the headers and part of the body ('truncate'). */
  kind: { status: number; code: string } | 'reset' | 'truncate';
}

export interface Hold {
  /** Matching requests that arrived and wait. */
  readonly waiting: number;
  /** Lets the waiting requests (and later ones) through. */
  release(): void;
}

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** The emulator's storage folder (objects live under `<directory>/<bucket>/`). */
  readonly directory: string;
  /** Requests the emulator received, by method (for tests counting requests independently). */
  readonly requests: { method: string; path: string; range?: string }[];
  /** Upload ids of multipart uploads neither completed nor aborted (of keys under `prefix`), read
   *  from the emulator's folder. */
  pendingUploads(prefix?: string): Promise<string[]>;
  injectFault(fault: Fault): void;
  /** Makes matching requests wait until released (to observe backpressure and aborts mid-request). */
  hold(match: RequestMatch): Hold;
  close(): Promise<void>;
}

/* Minimal shapes of the s3rver internals used here (s3rver ships no types). */
interface KoaContext {
  method: string;
  path: string;
  querystring: string;
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  params: Record<string, string>;
  status: number;
  length: number;
  body: unknown;
  req: { socket: { destroy(): void } };
  respond?: boolean;
  set(name: string, value: string): void;
  store: FilesystemStore;
}
type Next = () => Promise<void>;
type Middleware = (ctx: KoaContext, next: Next) => Promise<void> | void;
interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getMetadata(bucket: string, key: string): Promise<Record<string, string | number>>;
}
interface S3rverInstance {
  middleware: Middleware[];
  run(): Promise<{ port: number; address: string }>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;
type S3ErrorCtor = new (code: string, message: string, detail?: Record<string, unknown>) => Error;
interface RouterLayer {
  path: string;
  methods: string[];
}
interface Router {
  stack: RouterLayer[];
  register(path: string, methods: string[], middleware: Middleware[], opts: Record<string, unknown>): RouterLayer;
}

const require = createRequire(import.meta.url);

interface Emulator {
  S3rver: S3rverCtor;
  S3Error: S3ErrorCtor;
}
let emulator: Emulator | null = null;

function loadEmulator(): Emulator {
  if (emulator !== null) return emulator;
  let S3rver: S3rverCtor,
    S3Error: S3ErrorCtor,
    objectCtrl: { getObject: Middleware; uploadPart: Middleware },
    bucketCtrl: { bucketExists: Middleware },
    router: Router;
  try {
    S3rver = require('s3rver') as S3rverCtor;
    S3Error = require('s3rver/lib/models/error') as S3ErrorCtor;
    objectCtrl = require('s3rver/lib/controllers/object') as { getObject: Middleware; uploadPart: Middleware };
    bucketCtrl = require('s3rver/lib/controllers/bucket') as { bucketExists: Middleware };
    router = require('s3rver/lib/routes') as Router;
  } catch (e) {
    throw new Error(`the S3 emulator "s3rver" (a devDependency) cannot be loaded: ${(e as Error).message}; run "npm ci"`);
  }
  patchRangedGet(objectCtrl, S3Error);
  patchUploadPart(objectCtrl, S3Error);
  addRoute(router, 'GET', '/:bucket', [bucketCtrl.bucketExists, listUploads, listObjectsV2(S3Error)]);
  addRoute(router, 'DELETE', '/:bucket/:key+', [abortUpload(S3Error)]);
  emulator = { S3rver, S3Error };
  return emulator;
}

/** Inserts a route before s3rver's own one for the same path and method (so after its
 *  authentication and bucket checks); the handler passes on requests it does not serve. */
function addRoute(router: Router, method: string, path: string, handlers: Middleware[]): void {
  const layer = router.register(path, [method], handlers, {});
  router.stack.pop();
  const at = router.stack.findIndex((l) => l.path === path && l.methods.includes(method));
  if (at < 0) throw new Error(`s3rver's router has no ${method} ${path} route to patch: unsupported s3rver version`);
  router.stack.splice(at, 0, layer);
}

const listUploads: Middleware = async (ctx, next) => {
  if (ctx.params.queryMethod !== 'uploads') return next();
  const bucket = ctx.params.bucket!;
  const prefix = ctx.query.prefix ?? '';
  const uploads = [];
  for (const { id, key, initiated } of await readUploads(ctx.store, bucket)) {
    if (key.startsWith(prefix)) uploads.push({ Key: key, UploadId: id, Initiated: initiated.toISOString(), StorageClass: 'STANDARD' });
  }
  ctx.body = {
    ListMultipartUploadsResult: {
      '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
      Bucket: bucket,
      KeyMarker: '',
      UploadIdMarker: '',
      Prefix: prefix,
      MaxUploads: 1000,
      IsTruncated: false,
      Upload: uploads,
    },
  };
};

interface StoredObject {
  key: string;
  size: number;
  lastModifiedDate: Date;
  metadata: Record<string, string>;
}

function listObjectsV2(S3Error: S3ErrorCtor): Middleware {
  return async (ctx, next) => {
    if (ctx.params.queryMethod !== undefined || ctx.query['list-type'] !== '2') return next();
    const bucket = ctx.params.bucket!;
    const token = ctx.query['continuation-token'];
    let startAfter = ctx.query['start-after'];
    if (token !== undefined && token !== '') {
      const decoded = Buffer.from(token, 'base64url').toString('utf8');
      if (!decoded.startsWith(`${bucket}/`)) {
        throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
      }
      startAfter = decoded.slice(bucket.length + 1);
    }
    const maxKeys = Math.min(1000, Number(ctx.query['max-keys'] ?? 1000));
    const prefix = ctx.query.prefix ?? '';
    const delimiter = ctx.query.delimiter || undefined;
    const result = await (
      ctx.store as unknown as {
        listObjects(
          b: string,
          o: Record<string, unknown>,
        ): Promise<{ objects: StoredObject[]; commonPrefixes: string[]; isTruncated: boolean }>;
      }
    ).listObjects(bucket, { prefix, delimiter, maxKeys, startAfter });
    const last = result.objects[result.objects.length - 1];
    ctx.body = {
      ListBucketResult: {
        '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
        Name: bucket,
        Prefix: prefix,
        StartAfter: token ? undefined : startAfter,
        ContinuationToken: token || undefined,
        NextContinuationToken:
          result.isTruncated && last !== undefined ? Buffer.from(`${bucket}/${last.key}`).toString('base64url') : undefined,
        KeyCount: result.objects.length,
        MaxKeys: maxKeys,
        Delimiter: delimiter,
        IsTruncated: result.isTruncated,
        Contents: result.objects.map((o) => ({
          Key: o.key,
          LastModified: o.lastModifiedDate.toISOString(),
          ETag: o.metadata.etag,
          Size: o.size,
          StorageClass: 'STANDARD',
        })),
        CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: p })),
      },
    };
  };
}

function abortUpload(S3Error: S3ErrorCtor): Middleware {
  return async (ctx, next) => {
    if (ctx.params.queryMethod !== 'uploadId') return next();
    const uploadId = ctx.query.uploadId ?? '';
    const dir = join(ctx.store.getResourcePath(ctx.params.bucket!, undefined, 'uploads'), uploadId);
    const key = /^[0-9a-f]+$/.test(uploadId) ? await readFile(join(dir, 'key'), 'utf8').catch(() => null) : null;
    if (key !== ctx.params.key) {
      throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
    }
    await rm(dir, { recursive: true, force: true });
    ctx.status = 204;
  };
}

async function readUploads(store: FilesystemStore, bucket: string): Promise<{ id: string; key: string; initiated: Date }[]> {
  const root = store.getResourcePath(bucket, undefined, 'uploads');
  const ids = await readdir(root).catch(() => [] as string[]);
  const out = [];
  for (const id of ids.sort()) {
    const s = await stat(join(root, id)).catch(() => null);
    if (s === null) continue;
    // A folder without its key file (a part that raced an abort) is still a leftover: report it.
    const key = await readFile(join(root, id, 'key'), 'utf8').catch(() => '');
    out.push({ id, key, initiated: s.birthtime.getTime() > 0 ? s.birthtime : s.mtime });
  }
  return out;
}

function patchUploadPart(objectCtrl: { uploadPart: Middleware }, S3Error: S3ErrorCtor): void {
  const original = objectCtrl.uploadPart;
  objectCtrl.uploadPart = async (ctx, next) => {
    const uploadId = ctx.query.uploadId ?? '';
    const dir = join(ctx.store.getResourcePath(ctx.params.bucket!, undefined, 'uploads'), uploadId);
    const key = /^[0-9a-f]+$/.test(uploadId) ? await readFile(join(dir, 'key'), 'utf8').catch(() => null) : null;
    if (key !== ctx.params.key) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
    return original(ctx, next);
  };
}

function patchRangedGet(objectCtrl: { getObject: Middleware }, S3Error: S3ErrorCtor): void {
  const original = objectCtrl.getObject;
  objectCtrl.getObject = async (ctx, next) => {
    const m = /^bytes=(\d*)-(\d*)$/.exec(ctx.headers.range ?? '');
    // No range, or one S3 would ignore too (several ranges, bad syntax): the whole object.
    if (m === null || (m[1] === '' && m[2] === '')) return original(ctx, next);
    const bucket = ctx.params.bucket!;
    const key = ctx.params.key!;
    let meta: Record<string, string | number>;
    try {
      meta = await ctx.store.getMetadata(bucket, key);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: key });
    }
    const size = Number(meta['content-length']);
    let start: number, end: number;
    if (m[1] === '') {
      start = Math.max(0, size - Number(m[2]));
      end = size - 1;
    } else {
      start = Number(m[1]);
      end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    }
    if (size === 0 || start >= size || end < start) {
      throw new S3Error('InvalidRange', 'The requested range is not satisfiable', {
        RangeRequested: ctx.headers.range,
        ActualObjectSize: size,
      });
    }
    for (const h of ['content-type', 'etag', 'last-modified']) if (meta[h] !== undefined) ctx.set(h, String(meta[h]));
    ctx.set('Accept-Ranges', 'bytes');
    ctx.set('Content-Range', `bytes ${start}-${end}/${size}`);
    ctx.status = 206;
    ctx.length = end + 1 - start;
    if (ctx.method !== 'HEAD') ctx.body = createReadStream(ctx.store.getResourcePath(bucket, key, 'object'), { start, end });
  };
}

/** Passes the first bytes of a body through, then drops the connection. */
function truncate(drop: () => void): Transform {
  let passed = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (passed > 0) {
        drop();
        done();
        return;
      }
      passed += chunk.length;
      done(null, chunk.subarray(0, Math.max(1, chunk.length >> 1)));
    },
    flush(done) {
      drop();
      done();
    },
  });
}

export async function startS3Server(opts: { bucket?: string } = {}): Promise<S3TestServer> {
  const { S3rver, S3Error } = loadEmulator();
  const bucket = opts.bucket ?? 'ncf-test';
  const directory = await mkdtemp(join(tmpdir(), 'ncf-s3rver-'));
  const faults: (Fault & { count: number })[] = [];
  const holds: { match: RequestMatch; gate: Promise<void>; waiting: number; released: boolean }[] = [];
  const matches = (m: RequestMatch, ctx: KoaContext) =>
    (m.method === undefined || m.method === ctx.method) && (m.query === undefined || new URLSearchParams(ctx.querystring).has(m.query));
  const requests: { method: string; path: string; range?: string }[] = [];
  let server: S3rverInstance;
  try {
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      directory,
      silent: true,
      vhostBuckets: false,
      configureBuckets: [{ name: bucket }],
    });
    // First in the chain: faults answer before s3rver sees the request.
    server.middleware.unshift(async (ctx, next) => {
      requests.push(
        ctx.headers.range === undefined
          ? { method: ctx.method, path: ctx.path }
          : { method: ctx.method, path: ctx.path, range: ctx.headers.range },
      );
      for (const h of holds) {
        if (h.released || !matches(h.match, ctx)) continue;
        h.waiting++;
        await h.gate;
      }
      const i = faults.findIndex((f) => matches(f, ctx));
      if (i >= 0) {
        const f = faults[i]!;
        if (--f.count === 0) faults.splice(i, 1);
        if (f.kind === 'reset') {
          ctx.req.socket.destroy();
          ctx.respond = false;
          return;
        }
        if (f.kind === 'truncate') {
          await next();
          const length = ctx.length;
          ctx.body = (ctx.body as Readable).pipe(truncate(() => ctx.req.socket.destroy()));
          ctx.length = length;
          return;
        }
        throw Object.assign(new S3Error(f.kind.code, `injected fault ${f.kind.code}`), { status: f.kind.status });
      }
      await next();
    });
  } catch (e) {
    await rm(directory, { recursive: true, force: true });
    throw new Error(`the S3 emulator (s3rver) could not be created: ${(e as Error).message}`);
  }
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (e) {
    await rm(directory, { recursive: true, force: true });
    throw new Error(`the S3 emulator (s3rver) could not start on 127.0.0.1: ${(e as Error).message}`);
  }
  const store = (server as unknown as { store: FilesystemStore }).store;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region: 'us-east-1',
    credentials: { ...S3RVER_CREDENTIALS },
    directory,
    requests,
    pendingUploads: async (prefix = '') =>
      (await readUploads(store, bucket)).filter((u) => u.key === '' || u.key.startsWith(prefix)).map((u) => u.id),
    injectFault(fault: Fault) {
      faults.push({ ...fault, count: fault.count ?? 1 });
    },
    hold(match: RequestMatch): Hold {
      let open!: () => void;
      const h = {
        match,
        gate: new Promise<void>((r) => {
          open = r;
        }),
        waiting: 0,
        released: false,
      };
      holds.push(h);
      return {
        get waiting() {
          return h.waiting;
        },
        release() {
          h.released = true;
          open();
        },
      };
    },
    async close() {
      const closing = server.close().catch(() => {});
      // Idle keep-alive sockets of clients would otherwise hold the server open.
      (server as unknown as { httpServer: { closeAllConnections(): void } }).httpServer.closeAllConnections();
      await closing;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
