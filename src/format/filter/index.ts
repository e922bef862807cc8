// The filter language: PostgREST query strings and a JSON tree (parse), bound to a schema (bind),
// evaluated over decoded columns (evaluate) and used to prune row groups by statistics (prune).

export type { CompareOp, Filter } from './ast.js';
export { MAX_FILTER_DEPTH, MAX_FILTER_NODES, MAX_IN_ITEMS } from './ast.js';
export { parseQueryFilters, parseWhereArg } from './parse-query.js';
export { parseFilterJson } from './parse-json.js';
export { bindFilter, filterColumnIndexes, type BoundFilter, type BoundLeaf } from './bind.js';
export type { Literal } from './literal.js';
export { canSkip, mustMatch } from './prune.js';
export { evaluate } from './evaluate.js';
