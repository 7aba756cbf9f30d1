/**
 * `npm test` on a machine without Chromium: the browser test skips with a one-line reason that
 * says how to install it, and with CI=true it fails instead of skipping.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromiumComponent, skipUnlessPresent } from '../helpers/system-component.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const browserTest = fileURLToPath(new URL('./dashboard-browser.test.ts', import.meta.url));

/** Runs the browser test file in a child `node --test` with `env`; resolves with code and output. */
function runBrowserTest(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', browserTest], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The environment of a machine without Chromium: an empty PATH and no override. */
async function withoutChromium<T>(ci: boolean, body: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const emptyPath = await mkdtemp(join(tmpdir(), 'ringkernel-no-chromium-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: emptyPath, NODE_OPTIONS: '' };
  delete env.RINGKERNEL_CHROMIUM;
  delete env.NODE_TEST_CONTEXT; // a child of a test file would otherwise refuse to run its tests
  delete env.CI;
  if (ci) env.CI = 'true';
  try {
    return await body(env);
  } finally {
    await rm(emptyPath, { recursive: true, force: true });
  }
}

describe('without Chromium', () => {
  it('skips outside CI with one line that says how to install it', () => {
    const absent = chromiumComponent({ PATH: '/nonexistent' });
    assert.equal(absent.path, undefined);
    const reason = skipUnlessPresent(absent, {});
    assert.ok(typeof reason === 'string');
    assert.doesNotMatch(reason, /\n/);
    assert.match(reason, /apt-get install chromium/);
    assert.match(reason, /RINGKERNEL_CHROMIUM/);
  });

  it('runs (and so fails) with CI=true, and runs wherever Chromium is found', () => {
    assert.equal(skipUnlessPresent(chromiumComponent({ PATH: '/nonexistent' }), { CI: 'true' }), false);
    const here = chromiumComponent({ PATH: '/nonexistent', RINGKERNEL_CHROMIUM: process.execPath });
    assert.equal(here.path, process.execPath);
    assert.equal(skipUnlessPresent(here, {}), false);
    // An override naming a missing file does not fall back to PATH: the developer asked for it.
    assert.equal(chromiumComponent({ RINGKERNEL_CHROMIUM: '/nonexistent/chrome' }).path, undefined);
  });

  it('the browser test file skips outside CI and exits 0', async () => {
    const { code, output } = await withoutChromium(false, runBrowserTest);
    assert.equal(code, 0, output);
    assert.match(output, /# SKIP Chromium not found: install it \(apt-get install chromium\)/);
    assert.match(output, /^# pass 0$/m);
  });

  it('the browser test file fails with CI=true, naming what is missing', async () => {
    const { code, output } = await withoutChromium(true, runBrowserTest);
    assert.equal(code, 1, output);
    assert.match(output, /Chromium not found/);
    assert.match(output, /^# pass 0$/m);
  });
});
