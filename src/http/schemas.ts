// The JSON bodies the service answers with, declared once in zod. The TS types the handlers and the
// client use are z.infer of these, and openapi.yaml's generated `components.schemas` is
// z.toJSONSchema of them (src/http/openapi-components.ts, `npm run openapi`); a test fails when the
// committed document and these schemas differ, and another checks real answers against the document.
// Request bodies (the filter tree, the POST /query body) are validated where they are parsed.

import { z } from 'zod';
import { DATA_TYPES, TIME_UNITS } from '../format/schema.js';

/** Each schema's name under `#/components/schemas/`; the order is the document's. */
export const RESPONSE_SCHEMAS = z.registry<{ id: string }>();

function named<T extends z.ZodType>(id: string, schema: T): T {
  RESPONSE_SCHEMAS.add(schema, { id });
  return schema;
}

const count = z.int().min(0);
const dateTime = z.iso.datetime();
const OPERATIONS = ['create', 'append', 'replace', 'compact'] as const;

export const Problem = named(
  'Problem',
  z
    .looseObject({
      type: z.string().meta({ format: 'uri' }),
      title: z.string(),
      status: z.int(),
      detail: z.string(),
      parameter: z.string().optional().meta({ description: 'The request parameter that was wrong.' }),
      code: z.string().optional().meta({ description: "The engine's or storage's error code (INPUT, SCHEMA, TABLE_EXISTS, ...)." }),
      line: z.int().optional().meta({ description: 'The input line of an upload error.' }),
      column: z.unknown().optional().meta({ description: 'The column concerned.' }),
      differences: z
        .array(
          z.looseObject({
            column: z.string(),
            issue: z.enum(['missing', 'extra', 'type', 'nullable', 'position']),
            expected: z.unknown().optional(),
            actual: z.unknown().optional(),
          }),
        )
        .optional()
        .meta({ description: "How an append's columns differ from the table's." }),
    })
    .meta({ description: 'RFC 9457 problem details, with extra members naming what was wrong.' }),
);
export type Problem = z.infer<typeof Problem>;

export const DataType = named('DataType', z.enum(DATA_TYPES));

export const StatValue = named(
  'StatValue',
  z.union([z.string(), z.number(), z.boolean(), z.null()]).meta({
    description:
      'A statistic value as JSON, written as the rows are (docs/QUERY.md, "Value text"): int64 beyond ±2^53 as strings, ' +
      "dates YYYY-MM-DD, timestamps ISO 8601 with exactly the digits of the column's unit (s none, ms 3, us 6, ns 9) and a " +
      'trailing Z only when the column has a time zone (`2001-01-01T00:01:00.000Z` zoned ms, `2001-01-01T00:01:00` zone-less s), ' +
      'binary base64.',
  }),
);
export type StatValue = z.infer<typeof StatValue>;

export const Health = named('Health', z.object({ status: z.literal('ok') }));
export type Health = z.infer<typeof Health>;

export const Ready = named(
  'Ready',
  z.object({ status: z.literal('ready'), checks: z.object({ catalog: z.literal('ok'), storage: z.literal('ok') }) }),
);
export type Ready = z.infer<typeof Ready>;

export const TableSummary = named(
  'TableSummary',
  z.object({
    name: z.string(),
    version: z.int(),
    rowCount: count,
    columnCount: count,
    bytes: count,
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);
export type TableSummary = z.infer<typeof TableSummary>;

export const TableList = named('TableList', z.object({ tables: z.array(TableSummary) }));
export type TableList = z.infer<typeof TableList>;

export const ColumnDescription = named(
  'ColumnDescription',
  z.object({
    name: z.string(),
    type: DataType,
    semanticType: z.string().nullable().meta({ description: 'A semantic tag such as pii_email, geo_lat, categorical; null when none.' }),
    nullable: z.boolean(),
    unit: z.enum(TIME_UNITS).optional().meta({ description: 'timestamp columns only.' }),
    timezone: z.string().optional().meta({ description: 'timestamp columns with a zone only.' }),
    description: z.string().optional(),
    stats: z.object({
      min: StatValue,
      max: StatValue,
      nullCount: count.nullable().meta({ description: 'null only in an upload answer with statsUnavailable.' }),
      distinctCount: count.nullable().meta({
        description:
          "Always present. The exact number of distinct non-null values when it is known: the column's values lie in one row " +
          'group (one file, one group) and its writer counted them. null otherwise (several row groups: their counts cannot ' +
          "be merged exactly; /stats gives the largest group's count as a lower bound), and in an upload answer with statsUnavailable.",
      }),
    }),
  }),
);
export type ColumnDescription = z.infer<typeof ColumnDescription>;

export const TableDescription = named(
  'TableDescription',
  z.object({
    name: z.string(),
    version: z.int(),
    rowCount: count,
    bytes: count,
    createdAt: dateTime,
    updatedAt: dateTime,
    columns: z.array(ColumnDescription),
  }),
);
export type TableDescription = z.infer<typeof TableDescription>;

const operation = z.enum(OPERATIONS);

export const UploadResult = named(
  'UploadResult',
  z
    .union([
      TableDescription.extend({
        operation,
        rowsAdded: count,
        statsUnavailable: z
          .literal(true)
          .optional()
          .meta({
            description:
              "Present when the rows were committed but the table's statistics could not be read right after (storage briefly " +
              "unavailable): every column's stats are then null. Committed rows are never answered with a 5xx.",
          }),
      }),
      z
        .object({ name: z.string(), version: z.int(), operation, rowsAdded: count })
        .meta({ description: "A replayed answer (Idempotency-Key) whose version vacuum's retention has forgotten: what the request did." }),
    ])
    .meta({ description: "The new version's description and what the upload did." }),
);
export type UploadResult = z.infer<typeof UploadResult>;

export const VersionEntry = named(
  'VersionEntry',
  z.object({ version: z.int(), time: dateTime, operation, rowsAdded: count, rowCount: count }),
);
export type VersionEntry = z.infer<typeof VersionEntry>;

export const VersionList = named('VersionList', z.object({ name: z.string(), versions: z.array(VersionEntry) }));
export type VersionList = z.infer<typeof VersionList>;

export const Statistic = named('Statistic', z.object({ value: StatValue, exact: z.boolean() }));
export type Statistic = z.infer<typeof Statistic>;

const statisticOrNull = Statistic.nullable();
/** An old snake_case key of /stats, sent with the new key's value until the next minor release. */
const oldKey = <T extends z.ZodType>(s: T, of: string) =>
  s.optional().meta({ deprecated: true, description: `Old name of ${of}, sent until the next minor release.` });

export const ColumnStatistics = named(
  'ColumnStatistics',
  z.object({
    name: z.string(),
    type: DataType,
    nullCount: Statistic,
    minValue: statisticOrNull,
    maxValue: statisticOrNull,
    distinctCount: Statistic.optional(),
    null_count: oldKey(Statistic, 'nullCount'),
    min_value: oldKey(statisticOrNull, 'minValue'),
    max_value: oldKey(statisticOrNull, 'maxValue'),
    distinct_count: oldKey(Statistic, 'distinctCount'),
  }),
);
export type ColumnStatistics = z.infer<typeof ColumnStatistics>;

export const RowGroupStatistics = named(
  'RowGroupStatistics',
  z.object({
    file: count.meta({ description: 'Index of the file in the version, in row order.' }),
    rowGroup: count.meta({ description: 'Index of the row group in its file.' }),
    rowCount: Statistic,
    row_count: oldKey(Statistic, 'rowCount'),
    columns: z.array(ColumnStatistics),
  }),
);
export type RowGroupStatistics = z.infer<typeof RowGroupStatistics>;

export const TableStats = named(
  'TableStats',
  z
    .object({
      name: z.string(),
      version: z.int(),
      table: z.object({
        rowCount: Statistic,
        bytes: count,
        fileCount: count,
        rowGroupCount: count,
        row_count: oldKey(Statistic, 'rowCount'),
        file_count: oldKey(count, 'fileCount'),
        row_group_count: oldKey(count, 'rowGroupCount'),
      }),
      columns: z.array(ColumnStatistics),
      rowGroups: z.array(RowGroupStatistics),
    })
    .meta({
      example: {
        name: 'flights',
        version: 1,
        table: { rowCount: { value: 3, exact: true }, bytes: 572, fileCount: 1, rowGroupCount: 1 },
        columns: [
          {
            name: 'delay',
            type: 'int32',
            nullCount: { value: 1, exact: true },
            minValue: { value: -5, exact: true },
            maxValue: { value: 75, exact: true },
            distinctCount: { value: 2, exact: true },
          },
        ],
        rowGroups: [
          {
            file: 0,
            rowGroup: 0,
            rowCount: { value: 3, exact: true },
            columns: [
              {
                name: 'delay',
                type: 'int32',
                nullCount: { value: 1, exact: true },
                minValue: { value: -5, exact: true },
                maxValue: { value: 75, exact: true },
              },
            ],
          },
        ],
      },
    }),
);
export type TableStats = z.infer<typeof TableStats>;

export const CompactResult = named(
  'CompactResult',
  z.object({
    table: z.string(),
    compacted: z.boolean().meta({ description: 'false when the table had one file and nothing was done' }),
    previousVersion: z.int(),
    version: z.int().meta({ description: 'the new version (the previous one when nothing was done)' }),
    rows: count,
    filesBefore: count,
    filesAfter: count,
    bytesBefore: count,
    bytesAfter: count,
    rowGroupsBefore: count,
    rowGroupsAfter: count,
  }),
);
export type CompactResult = z.infer<typeof CompactResult>;

export const VacuumResult = named(
  'VacuumResult',
  z.object({
    table: z.string(),
    version: z.int(),
    oldestVersion: z.int().meta({ description: 'the oldest version still readable' }),
    expiredVersions: count,
    filesBefore: count.meta({ description: "files in the table's storage folder before" }),
    filesAfter: count,
    expiredFilesRemoved: count,
    orphansRemoved: count,
    orphansKept: count.meta({ description: 'unreferenced files younger than NCF_ORPHAN_GRACE' }),
    strayFilesRemoved: count.meta({
      description:
        'files of tables the catalog does not have (a first upload whose commit never landed, leftovers of a dropped table) ' +
        'older than NCF_ORPHAN_GRACE',
    }),
    strayFilesKept: count.meta({ description: 'such files younger than NCF_ORPHAN_GRACE (maybe a first upload in flight)' }),
    bytesRemoved: count,
  }),
);
export type VacuumResult = z.infer<typeof VacuumResult>;

export const JsonAnswer = named(
  'JsonAnswer',
  z.object({
    columns: z.array(z.object({ name: z.string(), type: z.string() })),
    rows: z.array(z.record(z.string(), z.unknown())),
    rowCount: count.meta({ description: 'Rows in this page.' }),
    next: z.string().nullable().meta({ description: 'URL of the next page (same query, pinned to this version), or null.' }),
  }),
);
export type JsonAnswer = z.infer<typeof JsonAnswer>;

export const Histogram = named(
  'Histogram',
  z.object({
    column: z.string(),
    type: DataType,
    version: z.int(),
    min: StatValue,
    max: StatValue,
    bins: z.array(z.object({ lower: StatValue, upper: StatValue, count })),
    count: count.meta({ description: 'Values in the bins.' }),
    nulls: count,
    nans: count.optional().meta({ description: 'float columns only.' }),
    negativeInfinity: count.optional().meta({ description: 'float columns only.' }),
    positiveInfinity: count.optional().meta({ description: 'float columns only.' }),
  }),
);
export type Histogram = z.infer<typeof Histogram>;

export const Distinct = named(
  'Distinct',
  z.object({
    column: z.string(),
    type: DataType,
    version: z.int(),
    values: z.array(z.object({ value: StatValue, count })),
    distinctCount: count.meta({ description: 'Distinct values (null included) among the matching rows.' }),
    rowCount: count.meta({ description: 'Matching rows.' }),
    truncated: z.boolean().meta({ description: 'More distinct values than listed.' }),
  }),
);
export type Distinct = z.infer<typeof Distinct>;
