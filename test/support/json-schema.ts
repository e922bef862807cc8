// A small JSON Schema (2020-12) validator for the subset openapi.yaml's response schemas use: $ref
// into the document, type, properties, required, additionalProperties, items, enum, const, anyOf,
// oneOf, allOf, minimum, maximum, minItems, format date-time. Any other keyword is an error, so a
// schema the subset cannot check fails loudly instead of passing unchecked. Ours, not a library's,
// so that it is an oracle independent of zod (which wrote the schemas).

type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(['description', 'deprecated', 'example', 'examples', 'title', 'propertyNames', 'contentEncoding']);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, v: unknown): boolean {
  const t = typeOf(v);
  return t === want || (want === 'number' && t === 'integer');
}

/** Every way `value` breaks `schema` (empty when it conforms); `root` resolves `#/...` references. */
export function validate(schema: Schema, value: unknown, root: unknown, at = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: not allowed here`];
  const errors: string[] = [];
  for (const [key, rule] of Object.entries(schema)) {
    switch (key) {
      case '$ref': {
        const ref = rule as string;
        if (!ref.startsWith('#/')) throw new Error(`${at}: unsupported $ref ${ref}`);
        let target: unknown = root;
        for (const part of ref.slice(2).split('/')) target = (target as Record<string, unknown> | undefined)?.[part];
        if (target === undefined) throw new Error(`${at}: $ref ${ref} resolves to nothing`);
        errors.push(...validate(target as Schema, value, root, at));
        break;
      }
      case 'type': {
        const types = Array.isArray(rule) ? (rule as string[]) : [rule as string];
        if (!types.some((t) => typeMatches(t, value))) errors.push(`${at}: ${typeOf(value)} is not ${types.join(' or ')}`);
        break;
      }
      case 'properties':
        if (typeOf(value) === 'object') {
          for (const [name, sub] of Object.entries(rule as Record<string, Schema>)) {
            if (Object.hasOwn(value as object, name))
              errors.push(...validate(sub, (value as Record<string, unknown>)[name], root, `${at}.${name}`));
          }
        }
        break;
      case 'required':
        if (typeOf(value) === 'object') {
          for (const name of rule as string[]) if (!Object.hasOwn(value as object, name)) errors.push(`${at}: lacks "${name}"`);
        }
        break;
      case 'additionalProperties':
        if (typeOf(value) === 'object') {
          const known = new Set(Object.keys((schema as { properties?: object }).properties ?? {}));
          for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
            if (!known.has(name))
              errors.push(
                ...validate(rule as Schema, v, root, `${at}.${name}`).map((e) => (rule === false ? `${at}: has undeclared "${name}"` : e)),
              );
          }
        }
        break;
      case 'items':
        if (Array.isArray(value)) {
          for (const [i, v] of value.entries()) errors.push(...validate(rule as Schema, v, root, `${at}[${i}]`));
        }
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (rule as number)) errors.push(`${at}: fewer than ${rule} items`);
        break;
      case 'enum':
        if (!(rule as unknown[]).some((x) => x === value))
          errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(rule)}`);
        break;
      case 'const':
        if (rule !== value) errors.push(`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(rule)}`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (rule as number)) errors.push(`${at}: ${value} < ${rule}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (rule as number)) errors.push(`${at}: ${value} > ${rule}`);
        break;
      case 'format':
        if (rule === 'date-time' && typeof value === 'string' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value))
          errors.push(`${at}: "${value}" is not a date-time`);
        break;
      case 'anyOf':
      case 'oneOf': {
        const passing = (rule as Schema[]).filter((s) => validate(s, value, root, at).length === 0).length;
        if (passing === 0 || (key === 'oneOf' && passing > 1))
          errors.push(`${at}: matches ${passing} of the ${key} alternatives (${JSON.stringify(value).slice(0, 120)})`);
        break;
      }
      case 'allOf':
        for (const s of rule as Schema[]) errors.push(...validate(s, value, root, at));
        break;
      default:
        if (!ANNOTATIONS.has(key)) throw new Error(`${at}: the test's validator does not know the keyword "${key}"`);
    }
  }
  return errors;
}
