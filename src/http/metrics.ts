// Process metrics in the Prometheus text exposition format (version 0.0.4): a tiny registry of
// labelled counters and histograms, enough for requests, latency, scan volume and uploads.

export interface Metrics {
  /** One finished HTTP request; `route` is the route pattern (never the raw URL, which holds names). */
  request(method: string, route: string, status: number, seconds: number): void;
  /** Rows decoded by a query scan. */
  rowsScanned(n: number): void;
  /** Stored bytes read by a query scan. */
  bytesScanned(n: number): void;
  /** Row groups a query read, of those its table has (the rest were pruned by statistics). */
  rowGroups(scanned: number, total: number): void;
  /** One finished upload. */
  upload(operation: 'create' | 'replace' | 'append', format: string, outcome: 'ok' | 'error', bytes: number, rows: number): void;
  /** A gauge read at each render (cache sizes). */
  gauge(name: string, help: string, read: () => number): void;
  /** The exposition text. */
  render(): string;
}

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k]!)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function num(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
}

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    this.incKey(labelKey(labels), by);
  }
  /** inc() with the labels already rendered by labelKey (the per-request path keeps them). */
  incKey(k: string, by = 1): void {
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    if (this.values.size === 0) out.push(`${this.name} 0`);
    for (const [k, v] of this.values) out.push(`${this.name}${k} ${num(v)}`);
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(labels: Labels, v: number): void {
    this.observeKey(labelKey(labels), labels, v);
  }
  /** observe() with `labels` already rendered as `k` by labelKey. */
  observeKey(k: string, labels: Labels, v: number): void {
    let s = this.series.get(k);
    if (s === undefined) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) s.counts[i]!++;
    s.sum += v;
    s.count++;
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${labelKey({ ...s.labels, le: num(b) })} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${labelKey({ ...s.labels, le: '+Inf' })} ${s.count}`);
      out.push(`${this.name}_sum${labelKey(s.labels)} ${num(s.sum)}`);
      out.push(`${this.name}_count${labelKey(s.labels)} ${s.count}`);
    }
  }
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SIZE_BUCKETS = [1 << 10, 1 << 14, 1 << 17, 1 << 20, 1 << 23, 1 << 26, 1 << 30, 2 ** 33];

export function createMetrics(): Metrics {
  const requests = new Counter('ncf_http_requests_total', 'HTTP requests by method, route pattern and status.');
  const latency = new Histogram('ncf_http_request_duration_seconds', 'HTTP request latency by method and route pattern.', LATENCY_BUCKETS);
  const rows = new Counter('ncf_rows_scanned_total', 'Rows decoded by query scans.');
  const bytes = new Counter('ncf_bytes_scanned_total', 'Stored bytes read by query scans.');
  const groupsScanned = new Counter('ncf_row_groups_scanned_total', 'Row groups read by query scans.');
  const groupsTotal = new Counter('ncf_row_groups_considered_total', 'Row groups of the tables queried (scanned plus pruned).');
  const uploads = new Counter('ncf_uploads_total', 'Uploads by operation, format and outcome.');
  const uploadBytes = new Counter('ncf_upload_bytes_total', 'Bytes received by uploads.');
  const uploadRows = new Counter('ncf_upload_rows_total', 'Rows committed by uploads.');
  const uploadSize = new Histogram('ncf_upload_size_bytes', 'Size of uploaded bodies.', SIZE_BUCKETS);
  const started = Date.now() / 1000;
  const extra: Array<[string, string, () => number]> = [];
  // Rendered label sets of each (method, route, status) seen: a request then costs no sorting or
  // escaping. Routes are patterns, so there are few of them.
  const requestKeys = new Map<string, { counter: string; histogram: string; labels: Labels }>();
  const gauges = () => extra.map(([n, h, read]) => [n, h, read()] as const);
  return {
    gauge(name, help, read) {
      extra.push([name, help, read]);
    },
    request(method, route, status, seconds) {
      const memo = `${method} ${status} ${route}`;
      let keys = requestKeys.get(memo);
      if (keys === undefined) {
        const labels = { method, route };
        keys = { counter: labelKey({ method, route, status: String(status) }), histogram: labelKey(labels), labels };
        requestKeys.set(memo, keys);
      }
      requests.incKey(keys.counter);
      latency.observeKey(keys.histogram, keys.labels, seconds);
    },
    rowsScanned(n) {
      rows.inc({}, n);
    },
    bytesScanned(n) {
      bytes.inc({}, n);
    },
    rowGroups(scanned, total) {
      groupsScanned.inc({}, scanned);
      groupsTotal.inc({}, total);
    },
    upload(operation, format, outcome, nBytes, nRows) {
      uploads.inc({ operation, format, outcome });
      uploadBytes.inc({}, nBytes);
      if (outcome === 'ok') uploadRows.inc({}, nRows);
      uploadSize.observe({}, nBytes);
    },
    render() {
      const out: string[] = [];
      for (const m of [requests, latency, rows, bytes, groupsScanned, groupsTotal, uploads, uploadBytes, uploadRows, uploadSize])
        m.render(out);
      out.push(
        '# HELP ncf_process_start_time_seconds Start time of the process since the Unix epoch.',
        '# TYPE ncf_process_start_time_seconds gauge',
        `ncf_process_start_time_seconds ${started}`,
      );
      // Memory by kind, so a growing RSS can be told apart: V8 heap, buffers outside it (decoded
      // chunks, Arrow bodies), and the rest (native: zstd, SQLite, sockets).
      const mem = process.memoryUsage();
      out.push('# HELP ncf_process_memory_bytes Process memory by kind (process.memoryUsage()).', '# TYPE ncf_process_memory_bytes gauge');
      for (const [kind, v] of [
        ['rss', mem.rss],
        ['heap_total', mem.heapTotal],
        ['heap_used', mem.heapUsed],
        ['external', mem.external],
        ['array_buffers', mem.arrayBuffers],
      ] as const) {
        out.push(`ncf_process_memory_bytes{kind="${kind}"} ${v}`);
      }
      for (const [name, help, v] of gauges()) out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${num(v)}`);
      return out.join('\n') + '\n';
    },
  };
}
