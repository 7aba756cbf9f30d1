/**
 * The browser build in the package: `ringkernel/browser` (and the `browser` condition of the main
 * entry) is a pre-bundled ESM file with its Web Worker entry next to it, free of Node modules and of
 * the Dawn loader, and `npm pack` ships what the exports name.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { buildBrowserBundle, root } from '../../src/browser/bundle-node.js';

const run = promisify(execFile);

test('the browser bundle holds no Node module, no Dawn loader, and its worker entry imports it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ringkernel-bundle-'));
  try {
    const bytes = await buildBrowserBundle(dir);
    const bundle = await readFile(join(dir, 'ringkernel.js'), 'utf8');
    assert.equal(bytes, Buffer.byteLength(bundle));
    assert.doesNotMatch(bundle, /\bfrom\s*["']node:|\bimport\(\s*["']node:|require\(/);
    assert.doesNotMatch(
      bundle,
      /DAWN_PACKAGE|import\(\s*["']webgpu["']|from\s*["']webgpu["']/,
      'the Dawn package',
    );
    assert.doesNotMatch(bundle, /EGL_PLATFORM|worker_threads/, 'Dawn loader or worker_threads code');
    assert.match(bundle, /navigator\.gpu is missing/, 'the browser stand-in for the Dawn loader');
    for (const name of [
      'webWorkerKernel',
      'webWorkerPool',
      'browserEnvironment',
      'startWebWorkerEntry',
      'gpuRingKernel',
      'RingKernelRuntime',
    ])
      assert.match(bundle, new RegExp(`export \\{[^}]*\\b${name}\\b`), `exports ${name}`);
    const worker = await readFile(join(dir, 'ringkernel-worker.js'), 'utf8');
    assert.match(worker, /import \{ startWebWorkerEntry \} from '\.\/ringkernel\.js'/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('npm pack ships the browser bundle, its worker entry and every file the exports name', async () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, string | Record<string, string>>;
  };
  assert.equal((manifest.exports['.'] as Record<string, string>).browser, './dist/browser/ringkernel.js');
  const targets = Object.values(manifest.exports).flatMap((entry) =>
    typeof entry === 'string' ? [entry] : Object.values(entry),
  );
  // CI builds before testing; a checkout without a (current) build gets one here.
  if (targets.some((target) => !existsSync(join(root, target))))
    await run('npm', ['run', 'build'], { cwd: root });
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root });
  const [packed] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  const files = new Set(packed.files.map((file) => file.path));
  for (const file of [
    'dist/browser/ringkernel.js',
    'dist/browser/ringkernel-worker.js',
    'dist/browser/index.d.ts',
  ])
    assert.ok(files.has(file), `${file} is packed`);
  for (const target of targets)
    assert.ok(files.has(target.replace(/^\.\//, '')), `${target} (named in exports) is packed`);
  assert.ok(
    ![...files].some((file) => file.startsWith('src/') || file.startsWith('test/')),
    'no sources are packed',
  );
});
