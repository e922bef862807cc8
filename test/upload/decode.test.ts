// Request-body decoders (src/upload/decode.ts): which Content-Encoding values are taken, that each
// decoder restores the bytes whatever the chunking, that corrupt input is the client's 400, and that
// the zstd decoder stops inflating while its reader is full (a bomb cannot fill memory).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { HttpProblem } from '../../src/http/errors.js';
import { ACCEPTED_ENCODINGS, bodyDecoder } from '../../src/upload/decode.js';

const zstd = createRequire(import.meta.url)('zstd-napi') as typeof import('zstd-napi');

/** Feeds `bytes` in chunks of `size` through the decoder for `coding`; resolves with the output. */
async function decode(coding: string, bytes: Buffer, size: number): Promise<Buffer> {
  const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    bodyDecoder(coding)!,
    new Writable({
      write(c: Buffer, _e, done) {
        out.push(c);
        done();
      },
    }),
  );
  return Buffer.concat(out);
}

describe('bodyDecoder', () => {
  test('none and identity decode nothing; other codings and lists are a 415 naming the accepted ones', () => {
    assert.equal(bodyDecoder(undefined), null);
    assert.equal(bodyDecoder('identity'), null);
    assert.equal(bodyDecoder(' Identity '), null);
    for (const bad of ['compress', 'gzip, br', 'bzip2', 'zstd;q=1']) {
      assert.throws(
        () => bodyDecoder(bad),
        (e: unknown) =>
          e instanceof HttpProblem && e.status === 415 && (e.extra.acceptedEncodings as string[]).join() === ACCEPTED_ENCODINGS.join(),
        bad,
      );
    }
    for (const ok of ['gzip', 'GZIP', 'x-gzip', 'deflate', 'br', 'zstd']) assert.ok(bodyDecoder(ok), ok);
  });

  const data = Buffer.concat([randomBytes(20_000), Buffer.alloc(200_000, 'abc'), randomBytes(10_000)]);
  const encoded: Record<string, Buffer> = {
    gzip: zlib.gzipSync(data),
    deflate: zlib.deflateSync(data),
    br: zlib.brotliCompressSync(data),
    zstd: Buffer.concat([zstd.compress(data.subarray(0, 100_000)), zstd.compress(data.subarray(100_000))]), // two frames
  };
  for (const [coding, bytes] of Object.entries(encoded)) {
    test(`${coding}: the bytes come back whatever the chunking; cut or garbled input is a 400`, async () => {
      for (const size of [13, 4096, bytes.length]) {
        assert.ok((await decode(coding, bytes, size)).equals(data), `${coding} in chunks of ${size}`);
      }
      await assert.rejects(
        decode(coding, bytes.subarray(0, bytes.length - 9), 4096),
        (e: unknown) => e instanceof HttpProblem && e.status === 400 && e.message.includes(coding),
      );
      const garbled = Buffer.from(bytes);
      for (let i = 0; i < garbled.length; i += 97) garbled[i]! ^= 0xff;
      await assert.rejects(decode(coding, garbled, 4096), (e: unknown) => e instanceof HttpProblem && e.status === 400);
    });
  }

  test('zstd stops inflating while its reader is full: 256 MiB of zeros in one chunk holds a few buffers', async () => {
    const frame = zstd.compress(Buffer.alloc(256 << 20));
    assert.ok(frame.length < 64 << 10, `a ${frame.length}-byte frame`);
    const dec = bodyDecoder('zstd')!;
    dec.write(frame);
    await new Promise((r) => setTimeout(r, 50));
    // Nobody reads: what it produced sits in its buffer, which must stay near its high-water mark.
    assert.ok(dec.readableLength < 1 << 20, `${dec.readableLength} bytes buffered`);
    let total = 0;
    dec.on('data', (c: Buffer) => {
      total += c.length;
      if (total > 8 << 20) dec.destroy();
    });
    await new Promise((r) => dec.once('close', r));
    assert.ok(total > 8 << 20, 'it produces again when read');
  });
});
