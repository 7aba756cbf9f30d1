/**
 * WebGPU in a real browser: the compute conformance suite, discovery and the flagship GPU ring
 * kernels run inside headless Chromium on `navigator.gpu` (SwiftShader), from the browser bundle.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  failures,
  launchChromium,
  runPage,
  skipWithoutChromium,
  startTestSite,
  type TestSite,
} from './harness.js';

describe('WebGPU in Chromium (navigator.gpu)', { skip: skipWithoutChromium }, () => {
  let site: TestSite;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  before(async () => {
    site = await startTestSite(['browser/pages/compute.ts']);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
  });

  it('passes discovery, compute conformance and the anomaly/PageRank CPU-vs-GPU checks in the page', async () => {
    const { results, problems } = await runPage(
      browser.context,
      site.isolated,
      'out/browser/pages/compute.js',
    );
    assert.equal(failures(results), '');
    if (process.env.RINGKERNEL_BROWSER_VERBOSE === '1')
      for (const result of results) console.log(`${result.ms.toFixed(0).padStart(6)} ms ${result.name}`);
    const names = results.map((result) => result.name);
    for (const expected of [
      'discovery finds the WebGPU adapter behind navigator.gpu and says it is software',
      'without navigator.gpu, discovery reports webgpu unavailable with the reason',
      'compute conformance on navigator.gpu > matmul float32',
      'compute conformance on navigator.gpu > run_reduction_sum float32',
      'gpuRingKernel anomaly detector: WebGPU flags exactly what the CPU backend flags',
      'PageRank kernel: WebGPU ranks match the CPU backend within 1e-6, same top 5',
    ])
      assert.ok(names.includes(expected), `ran: ${expected}`);
    assert.ok(results.every((result) => !result.skipped));
    assert.deepEqual(problems, []);
  });
});
