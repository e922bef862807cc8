// The real clients the service benchmark times: curl (uploads with --data-binary, downloads into
// /dev/null) and node's fetch (reading the body's bytes, or decoding it with apache-arrow's
// RecordBatchReader). Every call has a time limit, so a hung server fails the run instead of stalling it.

import { execFile } from 'node:child_process';
import * as arrow from 'apache-arrow';

/** Longest any single request of the benchmark may take. */
export const REQUEST_TIMEOUT_MS = 300_000;

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

function runCurl(args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    execFile('curl', ['-sS', ...args], { timeout: REQUEST_TIMEOUT_MS, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`bench: curl ${args.join(' ')} failed: ${stderr || err.message}`));
      else res(stdout);
    });
  });
}

/** Splits "<body>\n<status>" as written by `-w '\n%{http_code}'`. */
function bodyAndStatus(out: string): { status: number; body: string } {
  const nl = out.lastIndexOf('\n');
  return { status: Number(out.slice(nl + 1).trim()), body: out.slice(0, nl) };
}

/** `curl -X <method> --data-binary @file -H 'Content-Type: …' url`: the upload as a user runs it. */
export async function curlUpload(
  method: 'POST' | 'PUT',
  url: string,
  file: string,
  contentType: string,
): Promise<{ status: number; body: string }> {
  return bodyAndStatus(
    await runCurl(['-X', method, '--data-binary', `@${file}`, '-H', `Content-Type: ${contentType}`, '-w', '\n%{http_code}', url]),
  );
}

/** `curl -o /dev/null`: every byte read and thrown away. Returns the status and the body's size. */
export async function curlDiscard(url: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: number }> {
  const h = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const out = await runCurl([...h, '-o', '/dev/null', '-w', '%{http_code} %{size_download}', url]);
  const [status, bytes] = out.trim().split(' ').map(Number);
  return { status: status!, bytes: bytes! };
}

/** Any other method through curl (DELETE of a table between uploads). */
export async function curlRequest(method: string, url: string): Promise<{ status: number; body: string }> {
  return bodyAndStatus(await runCurl(['-X', method, '-w', '\n%{http_code}', url]));
}

async function get(url: string, headers: Record<string, string>): Promise<Response> {
  // Ask for no Content-Encoding: fetch would otherwise offer gzip and time the compressor.
  const res = await fetch(url, { headers: { 'accept-encoding': 'identity', ...headers }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (res.status !== 200) throw new Error(`bench: GET ${url} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  return res;
}

/** fetch, reading every chunk of the body and counting its bytes. */
export async function fetchDiscard(url: string, headers: Record<string, string> = {}): Promise<{ bytes: number; headers: Headers }> {
  const res = await get(url, headers);
  let bytes = 0;
  for await (const chunk of res.body! as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
  return { bytes, headers: res.headers };
}

/** fetch of an Arrow IPC stream decoded batch by batch with apache-arrow's RecordBatchReader. */
export async function fetchArrowRows(url: string): Promise<{ rows: number; batches: number }> {
  const res = await get(url, { accept: ARROW_STREAM });
  const reader = await arrow.RecordBatchReader.from(res.body! as AsyncIterable<Uint8Array>);
  let rows = 0;
  let batches = 0;
  for await (const batch of reader) {
    rows += batch.numRows;
    batches++;
  }
  return { rows, batches };
}
