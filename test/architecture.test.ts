import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * Module specifiers of `import ... from 'x'`, `export ... from 'x'`, bare `import 'x'` (side
 * effects only) and literal `import('x')`.
 */
const importPattern =
  /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every source file reachable from `entry` through static and literal dynamic imports. */
function importClosure(entry: string): Map<string, string[]> {
  const files = new Map<string, string[]>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    const specifiers = [...readFileSync(file, 'utf8').matchAll(importPattern)].map(
      (match) => (match[1] ?? match[2] ?? match[3])!,
    );
    files.set(file, specifiers);
    for (const specifier of specifiers) {
      if (!specifier.startsWith('.')) continue;
      const target = join(dirname(file), specifier).replace(/\.js$/, '.ts');
      if (existsSync(target)) visit(target);
    }
  };
  visit(join(root, entry));
  return files;
}

test('the import scan sees every form of import, bare side-effect imports included', () => {
  const closure = importClosure('test/fixtures/architecture/entry.ts');
  assert.deepEqual(
    [...closure].map(([file, specifiers]) => [relative(root, file), specifiers]),
    [
      ['test/fixtures/architecture/entry.ts', ['./side-effect.js']],
      ['test/fixtures/architecture/side-effect.ts', ['node:fs']],
    ],
  );
  const forms = [
    "import { a } from 'node:a';",
    "import type { B } from 'node:b';",
    "export * from 'node:c';",
    "import 'node:d';",
    'import"node:e";',
    "const f = await import('node:f');",
    "import {\n  g,\n} from 'node:g';",
  ].join('\n');
  assert.deepEqual(
    [...forms.matchAll(importPattern)].map((match) => match[1] ?? match[2] ?? match[3]),
    ['node:a', 'node:b', 'node:c', 'node:d', 'node:e', 'node:f', 'node:g'],
  );
});

test('the main entry (ringkernel) reaches no node: module, so the core runs in a browser', () => {
  const offenders = [...importClosure('src/index.ts')]
    .filter(([, specifiers]) => specifiers.some((specifier) => specifier.startsWith('node:')))
    .map(([file]) => relative(root, file));
  assert.deepEqual(offenders, []);
});

test('the node entry (ringkernel/node) is where the Node adapters are reachable', () => {
  const files = [...importClosure('src/node.ts').keys()].map((file) => relative(root, file));
  for (const adapter of [
    'src/workers/index.ts',
    'src/persistence/file-state-store-node.ts',
    'src/dashboard/index.ts',
  ]) {
    assert.ok(files.includes(adapter), adapter);
  }
});

test('the cluster link (ringkernel/cluster) is reachable only from its own entry, never from the core', () => {
  const core = [...importClosure('src/index.ts')];
  assert.deepEqual(
    core
      .filter(
        ([file, specifiers]) =>
          file.includes('/src/cluster/') || specifiers.some((s) => s.startsWith('@nats-io/')),
      )
      .map(([file]) => relative(root, file)),
    [],
  );
  const files = [...importClosure('src/cluster.ts').keys()].map((file) => relative(root, file));
  assert.ok(files.includes('src/cluster/index.ts'));
  // Inside the cluster folder, only *-node.ts files import node: modules.
  const offenders = [...importClosure('src/cluster.ts')]
    .filter(([file]) => file.includes('/src/cluster/') && !file.endsWith('-node.ts'))
    .filter(([, specifiers]) => specifiers.some((specifier) => specifier.startsWith('node:')))
    .map(([file]) => relative(root, file));
  assert.deepEqual(offenders, []);
});

/** Strongly connected components of more than one file (or a file importing itself): import circles. */
function importCircles(entries: readonly string[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const entry of entries)
    for (const [file, specifiers] of importClosure(entry))
      graph.set(
        file,
        specifiers
          .filter((specifier) => specifier.startsWith('.'))
          .map((specifier) => join(dirname(file), specifier).replace(/\.js$/, '.ts'))
          .filter((target) => existsSync(target)),
      );
  // Tarjan's algorithm.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const connect = (file: string) => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        connect(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(relative(root, member));
      } while (member !== file);
      if (component.length > 1 || (graph.get(file) ?? []).includes(file)) circles.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) connect(file);
  return circles;
}

test('no import circles in the library, type-only imports included', () => {
  assert.deepEqual(importCircles(['src/index.ts', 'src/node.ts', 'src/cluster.ts', 'src/cli/main.ts']), []);
});
