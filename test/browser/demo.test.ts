/**
 * The live demo page (`npm run example:browser`) in Chromium: it runs on WebGPU, then on Web Workers
 * and on the CPU, showing non-zero throughput, flagged anomalies, PageRank solves and the kernels'
 * telemetry; a screenshot goes to test-artifacts/ (and docs/, the README's copy).
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { buildDemo } from '../../examples/browser/build.js';
import { root } from '../../src/browser/bundle-node.js';
import { serveStatic, type StaticServer } from '../../src/browser/static-server-node.js';
import { launchChromium, skipWithoutChromium } from './harness.js';

const artifact = join(root, 'test-artifacts', 'browser-demo.png');
const readmeCopy = join(root, 'docs', 'browser-demo.png');

const figure = (page: Page, id: string) =>
  page.$eval(`#${id}`, (element) => Number((element as HTMLElement).dataset.value));

describe('the browser demo page', { skip: skipWithoutChromium }, () => {
  let dir: string;
  let server: StaticServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ringkernel-demo-'));
    await buildDemo(dir);
    server = await serveStatic(dir, { isolated: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('runs the kernels on WebGPU for 3 s with non-zero throughput, then on Web Workers and the CPU', async () => {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.mode === 'webgpu', undefined, { timeout: 30_000 });
    await page.waitForTimeout(3000); // the brief: run for 3 s, then look
    assert.ok((await figure(page, 'throughput')) > 0, 'points/s on WebGPU');
    assert.ok((await figure(page, 'points')) >= 1000);
    assert.ok((await figure(page, 'anomalies')) > 0, 'anomalies flagged');
    assert.ok((await figure(page, 'solves')) > 0, 'PageRank solves');
    const devices = await page.$$eval('#telemetry tr', (rows) =>
      rows.map((row) => row.children[2]?.textContent),
    );
    assert.deepEqual(devices, ['webgpu', 'webgpu']);
    assert.match((await page.textContent('#env')) ?? '', /GPU: .*\(software\).*cross-origin isolated/);
    await mkdir(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: artifact });

    for (const [mode, where, transport] of [
      ['worker', 'Web Worker (CPU)', 'SharedArrayBuffer rings'],
      ['cpu', 'cpu', 'in page'],
    ] as const) {
      await page.click(`button[data-mode="${mode}"]`);
      await page.waitForFunction((wanted) => document.body.dataset.mode === wanted, mode, {
        timeout: 30_000,
      });
      await page.waitForFunction(
        () => Number(document.getElementById('throughput')!.dataset.value) > 0,
        undefined,
        {
          timeout: 10_000,
        },
      );
      await page.waitForFunction(
        (wanted) => document.querySelector('#telemetry tr td:nth-child(3)')?.textContent === wanted,
        where,
        { timeout: 5000 },
      );
      assert.equal(await page.textContent('#telemetry tr td:nth-child(9)'), transport);
    }
    assert.deepEqual(problems, []);

    const hasCopy = await stat(readmeCopy).then(
      () => true,
      () => false,
    );
    // The README copy is tracked: refresh it on request (or when missing) so test runs leave the tree clean.
    if (!hasCopy || process.env.RINGKERNEL_UPDATE_SCREENSHOT === '1') {
      await mkdir(join(root, 'docs'), { recursive: true });
      await copyFile(artifact, readmeCopy);
    }
    assert.ok((await stat(artifact)).size > 10_000);
  });
});
