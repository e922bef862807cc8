// The answer renderers, one per answer format of the format table (src/formats/table.ts). A Record
// keyed by format: a format added to the table without its renderer does not compile.

import type { TableFormat } from '../../formats/table.js';
import { renderArrow } from './arrow.js';
import { renderCsv } from './csv.js';
import { renderJson } from './json.js';
import { renderNdjson } from './ndjson.js';
import { renderParquet } from './parquet.js';
import type { Renderer } from './render.js';

export type { RenderContext, Renderer } from './render.js';

export const RENDERERS: Readonly<Record<TableFormat, Renderer>> = {
  json: renderJson,
  arrow: renderArrow,
  ndjson: renderNdjson,
  csv: renderCsv,
  parquet: renderParquet,
};
