// The README's configuration table, written from the declarations in src/config/vars.ts: one row per
// variable, between two markers, so `npm run docs:config` can rewrite it and a test can check it.

import { CONFIG_VARS } from './vars.js';

export const TABLE_BEGIN = '<!-- config:begin (written by `npm run docs:config` from src/config/vars.ts: edit there) -->';
export const TABLE_END = '<!-- config:end -->';

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The table in markdown, without the markers. */
export function configTable(): string {
  const rows = CONFIG_VARS.map((v) => `| \`${v.env}\` | ${cell(v.default)} | ${cell(v.doc)} |`);
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** `readme` with the text between the markers replaced by the table; throws when a marker is missing. */
export function withConfigTable(readme: string): string {
  const begin = readme.indexOf(TABLE_BEGIN);
  const end = readme.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`README.md: expected the markers ${TABLE_BEGIN} and ${TABLE_END}, in that order`);
  return `${readme.slice(0, begin + TABLE_BEGIN.length)}\n${configTable()}\n${readme.slice(end)}`;
}

/** The table as the README holds it now, or null without markers. */
export function readmeTable(readme: string): string | null {
  const begin = readme.indexOf(TABLE_BEGIN);
  const end = readme.indexOf(TABLE_END);
  return begin < 0 || end < begin ? null : readme.slice(begin + TABLE_BEGIN.length, end).trim();
}
