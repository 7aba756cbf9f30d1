/**
 * Shared by the browser tests and the browser benchmarks: builds the library bundle and the in-page
 * entries, serves them from http://localhost (cross-origin isolated or not) and drives headless
 * Chromium with a WebGPU adapter (SwiftShader).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildBrowserBundle, buildPages, root } from '../../src/browser/bundle-node.js';
import { serveStatic, type StaticServer } from '../../src/browser/static-server-node.js';
import type { TestResult } from './shims/node-test.js';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Outside CI a machine without Chromium skips the browser tests (saying how to get it); in CI
 * (`CI=true`) they always run, so a missing browser fails instead of hiding the tests.
 */
export const skipWithoutChromium: string | false =
  process.env.CI !== 'true' && !existsSync(CHROMIUM)
    ? `${CHROMIUM} is missing: install Chromium (apt-get install chromium) to run the browser tests`
    : false;

/** Chromium flags: WebGPU through SwiftShader (a CPU implementation, present on any machine). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--disable-background-networking',
  '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling',
];

const shims: Record<string, string> = {
  'node:test': join(root, 'test/browser/shims/node-test.ts'),
  'node:assert/strict': join(root, 'test/browser/shims/assert.ts'),
  'node:assert': join(root, 'test/browser/shims/assert.ts'),
  'node:events': join(root, 'test/browser/shims/events.ts'),
};

/** The Node modules the shared suites import, replaced by their in-page stand-ins. */
const nodeShims: Plugin = {
  name: 'node-shims',
  setup(context) {
    context.onResolve({ filter: /^node:/ }, (args) => {
      const shim = shims[args.path];
      return shim === undefined
        ? { errors: [{ text: `${args.path} has no browser stand-in (imported by ${args.importer})` }] }
        : { path: shim };
    });
  },
};

const RUN_HTML =
  '<!doctype html><meta charset="utf-8"><title>ringkernel in-page tests</title>\n' +
  '<script type="module">await import(new URLSearchParams(location.search).get("entry"));</script>\n';

/** Builds the bundle into `<dir>/lib` and the given entries (paths under test/) into `<dir>/out`. */
export async function buildTestSite(dir: string, entries: readonly string[]): Promise<void> {
  await buildBrowserBundle(join(dir, 'lib'));
  await mkdir(join(dir, 'out'), { recursive: true });
  await buildPages(
    entries.map((entry) => join(root, 'test', entry)),
    join(dir, 'out'),
    '/lib/ringkernel.js',
    { outbase: join(root, 'test'), plugins: [nodeShims] },
  );
  await writeFile(join(dir, 'run.html'), RUN_HTML);
}

/** The conformance kernel modules and their messages, as separate entries the workers can load. */
export const CONFORMANCE_MODULES = [
  'conformance/messages.ts',
  ...['batch', 'blocking-receive', 'crash', 'echo', 'gate', 'hang', 'recorder', 'returns'].map(
    (name) => `conformance/kernels/${name}.ts`,
  ),
];

/** A built site served twice: with the isolation headers and without. */
export interface TestSite {
  readonly dir: string;
  readonly isolated: StaticServer;
  readonly notIsolated: StaticServer;
  close(): Promise<void>;
}

export async function startTestSite(entries: readonly string[]): Promise<TestSite> {
  const dir = await mkdtemp(join(tmpdir(), 'ringkernel-browser-'));
  await buildTestSite(dir, entries);
  const isolated = await serveStatic(dir, { isolated: true });
  const notIsolated = await serveStatic(dir, { isolated: false });
  return {
    dir,
    isolated,
    notIsolated,
    async close() {
      await isolated.close();
      await notIsolated.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium with WebGPU; close it when done. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'ringkernel-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Loads `entry` (a built page entry, e.g. `out/browser/pages/compute.js`) and returns its results. */
export async function runPage(
  context: BrowserContext,
  server: StaticServer,
  entry: string,
  query = '',
): Promise<{ results: TestResult[]; problems: string[]; page: Page }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.goto(`${server.url}run.html?entry=${encodeURIComponent(`/${entry}`)}${query}`);
  await page
    .waitForFunction(() => window.__results !== undefined, undefined, { timeout: 30_000 })
    .catch((error: unknown) => {
      throw new Error(`the page published no results: ${String(error)}\n${problems.join('\n')}`);
    });
  const results = await page.evaluate(() => window.__results!);
  return { results, problems, page };
}

/** A one-line-per-failure summary for assertion messages. */
export function failures(results: readonly TestResult[]): string {
  return results
    .filter((result) => !result.ok)
    .map((result) => `✗ ${result.name}\n${result.error ?? ''}`)
    .join('\n');
}
