// The batched log sink (src/http/log-sink.ts): lines of one event-loop turn go out together, in
// order, when the turn ends; flushSync writes what is held at once.

import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { batchedSink } from '../../src/http/log-sink.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

it('holds the lines of one turn and writes them, in order, when it ends', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncf-log-'));
  const path = join(dir, 'log');
  const fd = openSync(path, 'w');
  try {
    const sink = batchedSink(fd);
    const lines = Array.from({ length: 50 }, (_, i) => `{"n":${i}}\n`);
    for (const l of lines) sink.write(l);
    assert.equal(readFileSync(path, 'utf8'), '', 'nothing written during the turn');
    await turn();
    await turn();
    assert.equal(readFileSync(path, 'utf8'), lines.join(''));
    sink.write('{"late":1}\n');
    sink.flushSync();
    assert.equal(readFileSync(path, 'utf8'), `${lines.join('')}{"late":1}\n`);
    await turn();
    assert.equal(readFileSync(path, 'utf8'), `${lines.join('')}{"late":1}\n`, 'a flushed line is not written twice');
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});
