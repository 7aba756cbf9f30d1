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
