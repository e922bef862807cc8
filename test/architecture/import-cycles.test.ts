// The import graph of the project's own TypeScript (src, routes, storage, test, bench): no cycles,
// bench reaches into test/ only for test/support/, test never imports bench, and no route file imports
// another. Every relative import counts: `import`, `import type`, `export … from` and `import('…')`.
// Cycles are found as strongly connected components (Tarjan) and reported with one concrete loop.
// The import scanner is checked on its own so a silent regex miss cannot make the graph look clean.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TREES = ['src', 'routes', 'storage', 'test', 'bench'];

/** Project-relative paths with forward slashes, e.g. `src/format/reader.ts`. */
type File = string;

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (/\.(ts|mts|cts|tsx)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const toFile = (abs: string): File => relative(ROOT, abs).split(sep).join('/');

/** The source with comments blanked (string and template literals kept), so commented-out imports do not count. */
export function stripComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') j++;
        else if (c !== '`' && src[j] === '\n') break;
        j++;
      }
      out += src.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const STATIC = /(?:^|[\n;}])\s*(?:import|export)\s+(?:type\s+)?[^;'"`]*?\bfrom\s*(['"])([^'"\n]+)\1/g;
const BARE = /(?:^|[\n;}])\s*import\s*(['"])([^'"\n]+)\1/g;
const DYNAMIC = /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g;

/** Every module specifier the source imports (static, type-only, re-exports, side-effect, dynamic). */
export function specifiers(src: string): string[] {
  const code = stripComments(src);
  const out: string[] = [];
  for (const re of [STATIC, BARE, DYNAMIC]) for (const m of code.matchAll(re)) out.push(m[2]!);
  return out;
}

/** The project file a relative specifier names (`./x.js` is `./x.ts`), or null for packages and non-TS files. */
function resolveSpecifier(from: File, spec: string, known: ReadonlySet<File>): File | null {
  if (!spec.startsWith('.')) return null;
  const base = toFile(resolve(ROOT, dirname(from), spec));
  const stem = base.replace(/\.(c|m)?js$/, '');
  for (const candidate of [base, `${stem}.ts`, `${stem}.mts`, `${stem}.cts`, `${stem}.tsx`, `${base}/index.ts`]) {
    if (known.has(candidate)) return candidate;
  }
  return null;
}

function importGraph(): Map<File, File[]> {
  const files = TREES.flatMap((t) => tsFiles(join(ROOT, t))).map(toFile);
  const known = new Set(files);
  const graph = new Map<File, File[]>();
  for (const file of files) {
    const targets = specifiers(readFileSync(join(ROOT, file), 'utf8'))
      .map((s) => resolveSpecifier(file, s, known))
      .filter((t): t is File => t !== null);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components that hold a cycle (more than one file, or a file importing itself). */
export function cyclicComponents(graph: ReadonlyMap<File, readonly File[]>): File[][] {
  const index = new Map<File, number>();
  const low = new Map<File, number>();
  const onStack = new Set<File>();
  const stack: File[] = [];
  const out: File[][] = [];
  let next = 0;
  const visit = (v: File): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: File[] = [];
      let w: File;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** One loop through a component, as `a → b → … → a` (shortest path back to its first file). */
export function loopIn(graph: ReadonlyMap<File, readonly File[]>, component: readonly File[]): string {
  const inside = new Set(component);
  const start = component[0]!;
  const parent = new Map<File, File>();
  const queue: File[] = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
        return [...path, start].join(' → ');
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return component.join(', ');
}

/** Route-to-route imports still on main, removed by the one-query-path change (issue #11 item 1: routes
 *  shrink to schema + one call into src/query). Delete the entry with that change; never add one. */
const KNOWN_ROUTE_IMPORTS: readonly string[] = [];

describe('import graph', () => {
  const graph = importGraph();
  const edges = [...graph].flatMap(([from, tos]) => tos.map((to) => ({ from, to })));

  it('sees the whole tree', () => {
    // A scanner that matched nothing would pass every check below; the engine alone has dozens of files and imports.
    assert.ok([...graph.keys()].filter((f) => f.startsWith('src/format/')).length > 20);
    assert.ok(edges.length > 500, `only ${edges.length} relative imports found`);
    assert.ok(graph.get('src/format/encodings/index.ts')?.includes('src/format/encodings/nested.ts'));
  });

  it('has no import cycles', () => {
    const cycles = cyclicComponents(graph);
    assert.deepEqual(
      cycles.map((c) => loopIn(graph, c)),
      [],
      `import cycles:\n${cycles.map((c) => `  ${loopIn(graph, c)}  (component: ${c.join(', ')})`).join('\n')}`,
    );
  });

  it('bench/ imports from test/ only test/support/, and test/ never imports bench/', () => {
    const bad = edges.filter(
      ({ from, to }) =>
        (from.startsWith('bench/') && to.startsWith('test/') && !to.startsWith('test/support/')) ||
        (from.startsWith('test/') && to.startsWith('bench/')),
    );
    assert.deepEqual(
      bad.map((e) => `${e.from} → ${e.to}`),
      [],
    );
  });

  it('no route file imports another route file', () => {
    const found = edges.filter(({ from, to }) => from.startsWith('routes/') && to.startsWith('routes/')).map((e) => `${e.from} → ${e.to}`);
    assert.deepEqual(
      found.filter((e) => !KNOWN_ROUTE_IMPORTS.includes(e)),
      [],
    );
    // A known import that is gone must leave the list too, so the list only shrinks.
    assert.deepEqual(
      KNOWN_ROUTE_IMPORTS.filter((e) => !found.includes(e)),
      [],
      'remove the entries that no longer occur from KNOWN_ROUTE_IMPORTS',
    );
  });
});

describe('the import scanner and cycle finder themselves', () => {
  it('finds static, type-only, re-export, side-effect and dynamic imports, and skips comments', () => {
    const src = [
      "import a from './a.js';",
      "import type { B } from './b.js';",
      'import {',
      '  c,',
      '  type C,',
      "} from './c.js';",
      "export { d } from './d.js';",
      "export * from './e.js';",
      "import './f.js';",
      "const g = await import('./g.js');",
      "// import h from './h.js';",
      "/* import i from './i.js'; */",
      'const s = \'import j from "./j.js"\';',
      "import { k } from 'node:fs';",
    ].join('\n');
    assert.deepEqual(specifiers(src).sort(), ['./a.js', './b.js', './c.js', './d.js', './e.js', './f.js', './g.js', 'node:fs']);
  });

  it('finds a 3-file cycle and a self-import, and nothing in a diamond', () => {
    const g = new Map<File, File[]>([
      ['a', ['b']],
      ['b', ['c', 'd']],
      ['c', ['a']],
      ['d', []],
      ['e', ['e']],
      ['f', ['g', 'h']],
      ['g', ['i']],
      ['h', ['i']],
      ['i', []],
    ]);
    const cycles = cyclicComponents(g);
    assert.deepEqual(cycles, [['a', 'b', 'c'], ['e']]);
    assert.equal(loopIn(g, cycles[0]!), 'a → b → c → a');
    assert.equal(loopIn(g, cycles[1]!), 'e → e');
  });
});
