// Issue #10 item 5, against the built server as a child process: appends racing
// `POST /v1/tables/{name}/vacuum` with NCF_ORPHAN_GRACE=0. Before the fix, vacuum could delete a
// file between its rename and its commit (and sweep a writer's temp file mid-write): the table then
// answered 500 on every read, describe and compaction, even after a restart. Now writers register
// their file before writing it and vacuum deletes only what the catalog doomed, so every append
// answers 200 with its rows, every read and describe is 200, and the row count is the sum of the
// acknowledged appends — before and after a restart.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServer, storedFiles, type Server } from '../support/server.js';

const TABLE = 'raced';
const WRITERS = 4;
const APPENDS_PER_WRITER = 30;

function csv(writer: number, n: number, rows: number): string {
  let s = 'w,n,i,label\n';
  for (let i = 0; i < rows; i++) s += `${writer},${n},${i},w${writer}-${n}-${i}\n`;
  return s;
}

async function post(server: Server, path: string, body?: string): Promise<{ status: number; text: string }> {
  const init: RequestInit = { method: 'POST', signal: AbortSignal.timeout(60_000) };
  if (body !== undefined) {
    init.headers = { 'content-type': 'text/csv' };
    init.body = body;
  }
  const res = await fetch(`${server.url}${path}`, init);
  return { status: res.status, text: await res.text() };
}

/** Every read path answers 200, and the rows are exactly `expected` (as rows per writer/append). */
async function checkTable(server: Server, expected: Map<string, number>, what: string): Promise<void> {
  const total = [...expected.values()].reduce((a, b) => a + b, 0);
  const d = await fetch(`${server.url}/v1/tables/${TABLE}`);
  assert.equal(d.status, 200, `${what}: describe answered ${d.status} ${await d.clone().text()}`);
  assert.equal(((await d.json()) as { rowCount: number }).rowCount, total, `${what}: rowCount`);
  for (const path of [`/v1/tables/${TABLE}/stats`, `/v1/tables/${TABLE}/versions`, '/v1/tables']) {
    const r = await fetch(`${server.url}${path}`);
    assert.equal(r.status, 200, `${what}: GET ${path} answered ${r.status} ${await r.text()}`);
    await r.arrayBuffer().catch(() => {});
  }
  const rows = await fetch(`${server.url}/v1/tables/${TABLE}/rows?format=ndjson&select=w,n`);
  assert.equal(rows.status, 200, `${what}: rows answered ${rows.status} ${await rows.clone().text()}`);
  const seen = new Map<string, number>();
  for (const line of (await rows.text()).split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { w: number; n: number };
    const k = `${r.w}/${r.n}`;
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  assert.deepEqual(seen, expected, `${what}: the rows read are not exactly the acknowledged appends`);
}

describe('vacuum racing appends (NCF_ORPHAN_GRACE=0)', () => {
  it('every append answers 200, no version references a deleted file, and every read is 200 before and after a restart', {
    timeout: 180_000,
  }, async (t) => {
    const env = { NCF_ORPHAN_GRACE: '0', NCF_RETAIN_VERSIONS: '2' };
    let server = await startServer({ env });
    const dataDir = server.dataDir;
    try {
      const expected = new Map<string, number>();
      const first = await post(server, `/v1/tables/${TABLE}`, csv(0, 0, 5));
      assert.equal(first.status, 201, first.text);
      expected.set('0/0', 5);
      let writing = WRITERS;
      let vacuums = 0;
      let removed = 0;
      // Vacuum in a loop for as long as the writers write.
      const vacuumLoop = (async () => {
        while (writing > 0) {
          const v = await post(server, `/v1/tables/${TABLE}/vacuum`);
          assert.equal(v.status, 200, `vacuum: ${v.status} ${v.text}`);
          const body = JSON.parse(v.text) as { orphansRemoved: number; expiredFilesRemoved: number };
          removed += body.orphansRemoved + body.expiredFilesRemoved;
          vacuums++;
        }
      })();
      const statuses = new Map<number, number>();
      const writers = Array.from({ length: WRITERS }, async (_, w) => {
        try {
          for (let n = 0; n < APPENDS_PER_WRITER; n++) {
            // Mostly small appends, sometimes a larger one whose write takes longer.
            const rows = n % 7 === 3 ? 10_000 : 1 + ((n * 13 + w * 7) % 50);
            const r = await post(server, `/v1/tables/${TABLE}/rows`, csv(w + 1, n, rows));
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            assert.equal(r.status, 200, `append ${w + 1}/${n}: ${r.status} ${r.text}`);
            expected.set(`${w + 1}/${n}`, rows);
          }
        } finally {
          writing--;
        }
      });
      await Promise.all([...writers, vacuumLoop]);
      t.diagnostic(
        `${WRITERS * APPENDS_PER_WRITER} appends, ${vacuums} vacuums removing ${removed} files, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
      );
      assert.ok(vacuums >= 3, `only ${vacuums} vacuums ran during the appends`);
      await checkTable(server, expected, 'after the race');
      // Compaction reads every file; then one more vacuum; everything still reads.
      const c = await post(server, `/v1/tables/${TABLE}/compact`);
      assert.equal(c.status, 200, `compact: ${c.status} ${c.text}`);
      const v = await post(server, `/v1/tables/${TABLE}/vacuum`);
      assert.equal(v.status, 200, `vacuum: ${v.status} ${v.text}`);
      await checkTable(server, expected, 'after compaction and vacuum');
      const later = await post(server, `/v1/tables/${TABLE}/rows`, csv(9, 0, 3));
      assert.equal(later.status, 200, `a later append: ${later.status} ${later.text}`);
      expected.set('9/0', 3);
      await server.stop({ keep: true });
      server = await startServer({ env, dataDir });
      await checkTable(server, expected, 'after a restart');
      // Nothing but finished, referenced files is left (the last vacuum ran with no writer in flight).
      const v2 = await post(server, `/v1/tables/${TABLE}/vacuum`);
      assert.equal(v2.status, 200, v2.text);
      const files = await storedFiles(dataDir);
      assert.equal(files.length, 2, `files left: ${files.join(', ')}`);
    } finally {
      await server.stop();
      const { rm } = await import('node:fs/promises');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
