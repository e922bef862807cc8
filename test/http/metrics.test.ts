// The Prometheus registry: exposition format, counter sums, cumulative histogram buckets, escaping.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics } from '../../src/http/metrics.js';

test('counters add up per label set; histograms are cumulative with +Inf, _sum and _count', () => {
  const m = createMetrics();
  m.request('GET', '/v1/tables', 200, 0.004);
  m.request('GET', '/v1/tables', 200, 0.3);
  m.request('GET', '/v1/tables', 404, 0.002);
  m.rowsScanned(10);
  m.rowsScanned(5);
  m.bytesScanned(1000);
  m.rowGroups(2, 7);
  m.upload('append', 'csv', 'ok', 2048, 20);
  m.upload('append', 'csv', 'error', 100, 0);
  const text = m.render();
  const value = (series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    assert.ok(line, `no ${series} in\n${text}`);
    return Number(line.slice(series.length + 1));
  };
  assert.equal(value('ncf_http_requests_total{method="GET",route="/v1/tables",status="200"}'), 2);
  assert.equal(value('ncf_http_requests_total{method="GET",route="/v1/tables",status="404"}'), 1);
  assert.equal(value('ncf_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/v1/tables"}'), 0);
  assert.equal(value('ncf_http_request_duration_seconds_bucket{le="0.0025",method="GET",route="/v1/tables"}'), 1);
  assert.equal(value('ncf_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/v1/tables"}'), 2);
  assert.equal(value('ncf_http_request_duration_seconds_bucket{le="0.5",method="GET",route="/v1/tables"}'), 3);
  assert.equal(value('ncf_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/tables"}'), 3);
  assert.equal(value('ncf_http_request_duration_seconds_count{method="GET",route="/v1/tables"}'), 3);
  assert.ok(Math.abs(value('ncf_http_request_duration_seconds_sum{method="GET",route="/v1/tables"}') - 0.306) < 1e-9);
  assert.equal(value('ncf_rows_scanned_total'), 15);
  assert.equal(value('ncf_bytes_scanned_total'), 1000);
  assert.equal(value('ncf_row_groups_scanned_total'), 2);
  assert.equal(value('ncf_row_groups_considered_total'), 7);
  assert.equal(value('ncf_uploads_total{format="csv",operation="append",outcome="ok"}'), 1);
  assert.equal(value('ncf_uploads_total{format="csv",operation="append",outcome="error"}'), 1);
  assert.equal(value('ncf_upload_bytes_total'), 2148);
  assert.equal(value('ncf_upload_rows_total'), 20);
  // Each metric is announced once with HELP and TYPE before its samples.
  const types = text
    .split('\n')
    .filter((l) => l.startsWith('# TYPE '))
    .map((l) => l.split(' ')[2]);
  assert.equal(new Set(types).size, types.length);
  assert.ok(text.endsWith('\n'));
});

test('label values are escaped', () => {
  const m = createMetrics();
  m.request('GET', 'a"b\\c\nd', 200, 0);
  assert.ok(m.render().includes('route="a\\"b\\\\c\\nd"'));
});

test('memory by kind and registered gauges are rendered with their current values', () => {
  const m = createMetrics();
  let cached = 10;
  m.gauge('ncf_chunk_cache_bytes', 'Decoded chunk bytes.', () => cached);
  const first = m.render();
  assert.match(first, /^# TYPE ncf_chunk_cache_bytes gauge$/m);
  assert.match(first, /^ncf_chunk_cache_bytes 10$/m);
  for (const kind of ['rss', 'heap_total', 'heap_used', 'external', 'array_buffers']) {
    const v = new RegExp(`^ncf_process_memory_bytes\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(first);
    assert.ok(v && Number(v[1]) > 0, `memory of kind ${kind}`);
  }
  cached = 42;
  assert.match(m.render(), /^ncf_chunk_cache_bytes 42$/m, 'gauges are read at each render');
});
