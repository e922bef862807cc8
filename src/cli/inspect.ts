// `ncf inspect`: the file's layout and statistics, for people (table) or programs (--json).

import { NCFReader } from '../format/reader.js';
import { statText } from '../text/stat-text.js';
import { parseArgs } from 'node:util';
import { expectPositionals, usage } from './args.js';

export { statText };

export async function runInspect(args: string[]): Promise<number> {
  const { values, positionals } = usage(() => parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } }));
  expectPositionals(positionals, 1);
  const reader = await NCFReader.open(positionals[0]!);
  try {
    const m = reader.meta;
    const stats = reader.stats();
    const doc = {
      file: positionals[0],
      bytes: reader.size,
      rows: m.rows,
      table: m.table ?? null,
      created: m.created,
      writer: m.writer,
      columns: m.columns.map((c, i) => ({
        ...c,
        nulls: stats.columns[i]!.nulls,
        min: statText(c, stats.columns[i]!.min),
        max: statText(c, stats.columns[i]!.max),
        storedBytes: m.rowGroups.reduce((s, rg) => s + rg.chunks[i]!.length, 0),
        rawBytes: m.rowGroups.reduce((s, rg) => s + rg.chunks[i]!.rawLength, 0),
      })),
      rowGroups: m.rowGroups.map((rg, g) => ({
        rows: rg.rows,
        chunks: rg.chunks.map((ch, i) => {
          const s = stats.rowGroups[g]!.columns[i]!;
          const c = m.columns[i]!;
          return {
            column: c.name,
            offset: ch.offset,
            bytes: ch.length,
            rawBytes: ch.rawLength,
            encoding: ch.encoding,
            codec: ch.codec,
            nulls: s.nulls,
            min: statText(c, s.min),
            max: statText(c, s.max),
            ...(s.distinct !== undefined ? { distinct: s.distinct } : {}),
            ...(s.minExact && s.maxExact ? {} : { truncated: true }),
          };
        }),
      })),
    };
    if (values.json) {
      process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      return 0;
    }
    const out: string[] = [];
    out.push(`file     ${doc.file}  (${doc.bytes} bytes)`);
    out.push(`table    ${doc.table ?? '-'}`);
    out.push(`rows     ${doc.rows} in ${m.rowGroups.length} row group${m.rowGroups.length === 1 ? '' : 's'}`);
    out.push(`written  ${doc.created} by ${doc.writer}`);
    out.push('', 'columns');
    out.push(
      table(
        ['name', 'type', 'nullable', 'semantic', 'nulls', 'min', 'max', 'stored', 'raw'],
        doc.columns.map((c) => [
          c.name,
          c.type === 'timestamp' ? `timestamp[${c.unit}${c.timezone ? `, ${c.timezone}` : ''}]` : c.type,
          c.nullable ? 'yes' : 'no',
          c.semanticType ?? '',
          String(c.nulls),
          show(c.min),
          show(c.max),
          String(c.storedBytes),
          String(c.rawBytes),
        ]),
      ),
    );
    doc.rowGroups.forEach((rg, g) => {
      out.push('', `row group ${g}: ${rg.rows} rows`);
      out.push(
        table(
          ['column', 'encoding', 'codec', 'stored', 'raw', 'nulls', 'distinct', 'min', 'max'],
          rg.chunks.map((c) => [
            c.column,
            c.encoding,
            c.codec,
            String(c.bytes),
            String(c.rawBytes),
            String(c.nulls),
            'distinct' in c ? String(c.distinct) : '',
            show(c.min),
            show(c.max),
          ]),
        ),
      );
    });
    process.stdout.write(out.join('\n') + '\n');
    return 0;
  } finally {
    await reader.close();
  }
}

function show(v: unknown): string {
  if (v === null) return '';
  const s = String(v);
  return s.length > 32 ? `${s.slice(0, 31)}…` : s;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (r: string[]) =>
    '  ' +
    r
      .map((c, k) => c.padEnd(widths[k]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
