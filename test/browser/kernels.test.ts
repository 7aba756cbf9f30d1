/**
 * The kernel conformance suite in a real browser: event-loop kernels and Web Worker kernels, in a
 * cross-origin isolated page (SharedArrayBuffer rings) and in a page that is not (postMessage).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CONFORMANCE_MODULES,
  failures,
  launchChromium,
  runPage,
  skipWithoutChromium,
  startTestSite,
  type TestSite,
} from './harness.js';

const ENTRY = 'out/browser/pages/kernel-conformance.js';

describe('kernel conformance in Chromium', { skip: skipWithoutChromium }, () => {
  let site: TestSite;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  before(async () => {
    site = await startTestSite(['browser/pages/kernel-conformance.ts', ...CONFORMANCE_MODULES]);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
  });

  const report = (results: { ms: number; name: string }[]) => {
    if (process.env.RINGKERNEL_BROWSER_VERBOSE === '1')
      for (const result of results) console.log(`${result.ms.toFixed(0).padStart(6)} ms ${result.name}`);
  };

  it('event-loop and Web Worker kernels pass it in a cross-origin isolated page (SharedArrayBuffer rings)', async () => {
    const { results, problems, page } = await runPage(browser.context, site.isolated, ENTRY);
    report(results);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    assert.equal(failures(results), '');
    const suites = new Set(results.map((result) => result.name.split(' > ')[0]));
    assert.deepEqual([...suites].sort(), [
      'kernel conformance: event loop (browser)',
      'kernel conformance: web worker (isolated, default export)',
      'kernel conformance: web worker (isolated, handlers export)',
      'the Web Worker transport shows in telemetry: SharedArrayBuffer rings when isolated, else postMessage and why',
    ]);
    assert.ok(results.length >= 60, `${results.length} tests ran`);
    assert.ok(results.every((result) => !result.skipped));
    assert.deepEqual(problems, []);
  });

  it('Web Worker kernels pass it in a page that is not isolated (postMessage fallback)', async () => {
    const { results, problems, page } = await runPage(
      browser.context,
      site.notIsolated,
      ENTRY,
      '&kinds=webWorker',
    );
    report(results);
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    assert.equal(await page.evaluate(() => typeof SharedArrayBuffer), 'undefined');
    assert.equal(failures(results), '');
    const suites = new Set(results.map((result) => result.name.split(' > ')[0]));
    assert.deepEqual([...suites].sort(), [
      'kernel conformance: web worker (not isolated, default export)',
      'kernel conformance: web worker (not isolated, handlers export)',
      'the Web Worker transport shows in telemetry: SharedArrayBuffer rings when isolated, else postMessage and why',
    ]);
    assert.ok(results.length >= 40, `${results.length} tests ran`);
    assert.deepEqual(problems, []);
  });
});
