// openapi.yaml's generated part: the JSON Schema of every response body of src/http/schemas.ts,
// written between two marker lines under `components.schemas`. `npm run openapi` rewrites it
// (scripts/openapi.ts); test/http/openapi-components.test.ts fails when the committed file differs.

import { z } from 'zod';
import { Document, isMap, isSeq, visit } from 'yaml';
import { RESPONSE_SCHEMAS } from './schemas.js';

export const BEGIN_MARK = '    # BEGIN generated from src/http/schemas.ts by `npm run openapi`: edit the zod schemas, not these lines';
export const END_MARK = '    # END generated';

type JsonSchema = Record<string, unknown>;

/** `#/components/schemas` as zod writes it, minus what only restates the JSON types: a safe-integer
 *  range on every integer, the regular expression behind `format: date-time`. */
export function componentSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(RESPONSE_SCHEMAS, {
    uri: (id) => `#/components/schemas/${id}`,
    override: ({ jsonSchema: s }) => {
      if (s.type === 'integer') {
        if (s.minimum === Number.MIN_SAFE_INTEGER) delete s.minimum;
        if (s.maximum === Number.MAX_SAFE_INTEGER) delete s.maximum;
      }
      if (s.format === 'date-time') delete s.pattern;
    },
  }) as { schemas: Record<string, JsonSchema> };
  for (const s of Object.values(schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  return schemas;
}

/** The generated lines (markers included), indented to sit under `components.schemas`. */
export function renderComponents(): string {
  const doc = new Document(componentSchemas());
  // Small maps and lists of scalars on one line, as the hand-written part of the file writes them.
  visit(doc, {
    Map(_, node) {
      if (node.items.every((p) => !isMap(p.value) && !isSeq(p.value)) && JSON.stringify(node.toJSON()).length <= 100) node.flow = true;
    },
    Seq(_, node) {
      if (node.items.every((v) => !isMap(v) && !isSeq(v))) node.flow = true;
    },
  });
  const body = doc
    .toString({ lineWidth: 0, flowCollectionPadding: false })
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  return `${BEGIN_MARK}\n${body}\n${END_MARK}`;
}

/** `yamlText` with its generated part replaced by the schemas' current one. */
export function withGeneratedComponents(yamlText: string): string {
  const begin = yamlText.indexOf(BEGIN_MARK);
  const end = yamlText.indexOf(END_MARK);
  if (begin < 0 || end < begin) throw new Error('openapi.yaml: the generated-schemas markers are missing');
  return yamlText.slice(0, begin) + renderComponents() + yamlText.slice(end + END_MARK.length);
}
