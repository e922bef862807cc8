// What machine and software a run was on: CPU model, cores, memory, node and library versions.

import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import type { Machine } from './results.js';

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const m = /^model name\s*:\s*(.+)$/m.exec(info);
    if (m) return m[1]!.trim();
  } catch {
    // not Linux: fall back to what node reports
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function packageVersion(name: string): string {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function describeMachine(duck: { duckdb: string; threads: number }): Machine {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg()[0] ?? 0,
    node: process.version,
    duckdb: duck.duckdb,
    duckdbNodeApi: packageVersion('@duckdb/node-api'),
    duckdbThreads: duck.threads,
    apacheArrow: packageVersion('apache-arrow'),
    parquetWasm: packageVersion('parquet-wasm'),
  };
}
