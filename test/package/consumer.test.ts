/**
 * The package as a user gets it: `npm pack`, install the tarball into a separate project (offline;
 * the runtime dependencies are linked from this checkout's node_modules, which `npm ci` filled),
 * then type-check strict TypeScript consumers without `skipLibCheck` (NodeNext and Bundler
 * resolution, `--target es2022`, the browser-safe entry without @types/node) and run a plain-JS ESM
 * consumer and a CommonJS `require` consumer.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./consumer/', import.meta.url));
const work = `${root}test-artifacts/package/`;
const stage = `${work}stage/`;
const consumer = `${work}consumer/`;
const tsc = `${root}node_modules/typescript/bin/tsc`;

interface Manifest {
  readonly dependencies?: Record<string, string>;
  readonly files?: readonly string[];
}

async function runIn(cwd: string, command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    return stdout + stderr;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}${stderr}`, { cause: error });
  }
}

/** tsc on a consumer config; resolves with tsc's output, which must be empty. */
async function typeCheck(config: object): Promise<string> {
  const name = `tsconfig.${Math.random().toString(36).slice(2)}.json`;
  await writeFile(`${consumer}${name}`, JSON.stringify(config, null, 2));
  return runIn(consumer, process.execPath, [tsc, '-p', name]);
}

const strict = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: false,
  target: 'es2022',
  noEmit: true,
};

before(async () => {
  await rm(work, { recursive: true, force: true });
  await mkdir(stage, { recursive: true });
  await mkdir(consumer, { recursive: true });
  // What `npm pack` in the checkout would pack, from the current sources: the manifest and the
  // top-level documents next to a fresh build.
  for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'])
    await copyFile(`${root}${file}`, `${stage}${file}`);
  await runIn(root, process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', `${stage}dist`]);
  const packed = JSON.parse(
    await runIn(stage, 'npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work]),
  ) as [{ filename: string }];
  const tarball = `${work}${packed[0].filename}`;

  const manifest = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as Manifest;
  const linked = [...Object.keys(manifest.dependencies ?? {}), '@types/node', '@webgpu/types'];
  const dependencies: Record<string, string> = { ringkernel: `file:${tarball}` };
  for (const name of linked) dependencies[name] = `file:${root}node_modules/${name}`;
  await writeFile(
    `${consumer}package.json`,
    JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }, null, 2),
  );
  await runIn(consumer, 'npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund']);
  for (const file of await readdir(fixtures)) await copyFile(`${fixtures}${file}`, `${consumer}${file}`);
});

// The checks are independent processes: run them side by side.
describe('the packed package', { concurrency: true }, () => {
  test('the tarball holds the build, LICENSE and CHANGELOG, and source maps carry their sources', async () => {
    const installed = `${consumer}node_modules/ringkernel/`;
    const files = await readdir(installed);
    for (const file of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'dist'])
      assert.ok(files.includes(file), `${file} is not in the package: ${files.join(', ')}`);
    const map = JSON.parse(await readFile(`${installed}dist/index.js.map`, 'utf8')) as {
      sourcesContent?: unknown[];
    };
    assert.ok(
      Array.isArray(map.sourcesContent) && map.sourcesContent.length > 0,
      'map without sourcesContent',
    );
  });

  test('a strict TS consumer of the browser entry type-checks (NodeNext, es2022, no @types/node)', async () => {
    const output = await typeCheck({
      compilerOptions: { ...strict, module: 'nodenext', moduleResolution: 'nodenext', types: [] },
      files: ['core.ts'],
    });
    assert.equal(output.trim(), '');
  });

  test('a strict TS consumer of ringkernel/node type-checks (NodeNext, ESM and CommonJS files)', async () => {
    const output = await typeCheck({
      compilerOptions: { ...strict, module: 'nodenext', moduleResolution: 'nodenext' },
      files: ['node.ts', 'commonjs.cts'],
    });
    assert.equal(output.trim(), '');
  });

  test('a Node project without the DOM lib type-checks both entries (@tsconfig/node20 style)', async () => {
    const output = await typeCheck({
      compilerOptions: { ...strict, module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2023'] },
      files: ['core.ts', 'node.ts'],
    });
    assert.equal(output.trim(), '');
  });

  test('strict TS consumers type-check with Bundler resolution (esnext, es2022)', async () => {
    const output = await typeCheck({
      compilerOptions: { ...strict, module: 'esnext', moduleResolution: 'bundler' },
      files: ['core.ts', 'node.ts', 'webgpu.ts'],
    });
    assert.equal(output.trim(), '');
  });

  test('a plain-JS ESM consumer runs a kernel from the installed package', async () => {
    const output = await runIn(consumer, process.execPath, ['esm.mjs']);
    assert.match(output, /^esm 42 function$/m);
  });

  test('a CommonJS consumer can require() the package (Node >= 20.19)', async () => {
    const output = await runIn(consumer, process.execPath, ['require.cjs']);
    assert.match(output, /^cjs 42 function \d+\.\d+\.\d+/m);
  });
});
