// Idempotency-Key on the upload routes (create, replace, append), after Stripe's keys and
// draft-ietf-httpapi-idempotency-key-header: a client that retries a write after a timeout or a 5xx
// sends the same key, and the retry answers what the first request answered instead of writing again.
//
// - The key is checked at the edge: 1-255 printable ASCII characters, else 400.
// - A request is identified by its operation (route) and a fingerprint: the SHA-256 of the spooled
//   upload (the file part of a multipart body, after any Content-Encoding is undone) and of its format
//   and schema override. The same key with another operation or fingerprint is a 422 naming which.
// - The key is recorded in the catalog in the same transaction as the version it made (storage/
//   idempotency.ts), per table id. Only a committed write holds its key: a refused or failed request
//   commits nothing and records nothing, so its retry runs again.
// - A retry of a committed request gets the first answer rebuilt from the version it made (the same
//   status and body: the description of that version is a function of the version), with
//   `Idempotent-Replayed: true`; nothing is written.
// - The same key in flight twice on one replica: the second is 409 with Retry-After. Across replicas
//   the commit transaction decides: the loser's commit finds the winner's key, discards its file and
//   answers the winner's result.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { badRequest, conflictRetryLater, unprocessable, type HttpProblem } from '../http/errors.js';
import type { ServiceContext } from '../context.js';
import type { IdempotencyClaim, IdempotencyRecord, Operation } from '../../storage/types.js';
import type { ReceivedUpload } from './receive.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

/** Printable ASCII (space to tilde), 1 to 255 characters. */
const KEY = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x20-\x7e]+$/);

/** The request's key, or null without the header; 400 when it is malformed. */
export function idempotencyKeyOf(req: FastifyRequest): string | null {
  const raw = req.headers[IDEMPOTENCY_KEY_HEADER];
  if (raw === undefined) return null;
  const parsed = KEY.safeParse(raw);
  if (!parsed.success) {
    const why =
      typeof raw !== 'string'
        ? 'it is given more than once'
        : raw.length === 0
          ? 'it is empty'
          : raw.length > 255
            ? `it is ${raw.length} characters long`
            : 'it holds a character outside printable ASCII';
    throw badRequest(`the Idempotency-Key header must be 1 to 255 printable ASCII characters; ${why}`, { parameter: 'Idempotency-Key' });
  }
  return parsed.data;
}

/** SHA-256 (hex) of a file, streamed. */
async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** `body=<sha256 of the bytes> options=<sha256 of format and schema>`: the parts name a mismatch. */
export async function fingerprintOf(upload: Pick<ReceivedUpload, 'path' | 'format' | 'schema'>): Promise<string> {
  const options = createHash('sha256')
    .update(JSON.stringify([upload.format, upload.schema ?? null]))
    .digest('hex');
  return `body=${await fileSha256(upload.path)} options=${options}`;
}

const ROUTES: Record<string, string> = {
  create: 'POST /v1/tables/{name}',
  replace: 'PUT /v1/tables/{name}',
  append: 'POST /v1/tables/{name}/rows',
};

function mismatch(key: string, table: string, detail: string, extra: Record<string, unknown>): HttpProblem {
  return unprocessable(
    `Idempotency-Key ${JSON.stringify(key)} was already used on table "${table}" for another request: ${detail}; use a new key for a new request`,
    { idempotencyKey: key, table, ...extra },
  );
}

/** Keys in flight on this replica, per service: `${table}\n${key}`. */
const inFlight = new WeakMap<ServiceContext, Set<string>>();

/** One keyed upload from its start to its answer; release() it when done. */
export class IdempotentWrite {
  private fingerprint: string | null = null;

  private constructor(
    private readonly ctx: ServiceContext,
    readonly table: string,
    readonly key: string,
    readonly operation: Operation,
    /** The record of an earlier committed request with this key, or null. */
    readonly earlier: IdempotencyRecord | null,
    private readonly slot: string,
  ) {}

  /** Claims the key on this replica (409 when it is in flight here), then looks for an earlier
   *  record: another operation under the same key is refused at once, before the body is read. */
  static async begin(ctx: ServiceContext, table: string, key: string, operation: Operation): Promise<IdempotentWrite> {
    let slots = inFlight.get(ctx);
    if (slots === undefined) inFlight.set(ctx, (slots = new Set()));
    const slot = `${table}\n${key}`;
    if (slots.has(slot)) {
      throw conflictRetryLater(
        `a request with Idempotency-Key ${JSON.stringify(key)} on table "${table}" is still in progress; retry later to get its answer`,
        1,
        { idempotencyKey: key, table },
      );
    }
    slots.add(slot);
    try {
      const earlier = await ctx.catalog.idempotencyRecord(table, key);
      const w = new IdempotentWrite(ctx, table, key, operation, earlier, slot);
      if (earlier !== null) w.checkOperation(earlier);
      return w;
    } catch (e) {
      slots.delete(slot);
      throw e;
    }
  }

  release(): void {
    inFlight.get(this.ctx)?.delete(this.slot);
  }

  /** Fingerprints the spooled upload; returns the claim its commit carries. */
  async claim(upload: ReceivedUpload): Promise<IdempotencyClaim> {
    this.fingerprint = await fingerprintOf(upload);
    return { key: this.key, fingerprint: this.fingerprint };
  }

  /** Throws 422 unless `record` (the earlier request with this key) is this same request. */
  checkSame(record: IdempotencyRecord): void {
    this.checkOperation(record);
    if (this.fingerprint === null || record.fingerprint === this.fingerprint) return;
    const body0 = record.fingerprint.split(' ')[0]!;
    const body1 = this.fingerprint.split(' ')[0]!;
    if (body0 !== body1) {
      throw mismatch(this.key, this.table, `its body's SHA-256 was ${body0.slice(5)}, this one's is ${body1.slice(5)}`, {
        mismatch: 'body',
      });
    }
    throw mismatch(this.key, this.table, 'the same body with another format or schema override', { mismatch: 'options' });
  }

  private checkOperation(record: IdempotencyRecord): void {
    if (record.operation === this.operation) return;
    throw mismatch(
      this.key,
      this.table,
      `it was ${ROUTES[record.operation]} (${record.operation}), this is ${ROUTES[this.operation]} (${this.operation})`,
      { mismatch: 'operation', operation: record.operation },
    );
  }
}
