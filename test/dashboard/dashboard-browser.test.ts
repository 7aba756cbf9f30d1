import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startDemo, type DemoSession } from '../../src/cli/demo.js';
import { serveDashboard } from '../../src/dashboard/index.js';
import { chromiumComponent, skipUnlessPresent } from '../helpers/system-component.js';
import type { HttpEndpoint } from '../../src/dashboard/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const chromiumFound = chromiumComponent();
/**
 * Outside CI a machine without Chromium skips this test (saying how to get it); in CI
 * (`CI=true`) it always runs, so a missing browser fails the build instead of hiding the test.
 */
const skip = skipUnlessPresent(chromiumFound);
const artifact = join(root, 'test-artifacts', 'dashboard.png');
const readmeCopy = join(root, 'docs', 'dashboard.png');
const counters = [
  'messagesReceived',
  'messagesProcessed',
  'messagesSent',
  'messagesDropped',
  'errors',
] as const;

/** Every kernel's counters and state as the page shows them (from the cells' data-value). */
function pageFigures(page: Page): Promise<Record<string, Record<string, string>>> {
  return page.evaluate(() => {
    const figures: Record<string, Record<string, string>> = {};
    for (const row of Array.from(document.querySelectorAll<HTMLElement>('#kernels tr[data-kernel]'))) {
      const cells: Record<string, string> = {};
      for (const cell of Array.from(row.querySelectorAll<HTMLElement>('td[data-field]'))) {
        cells[cell.dataset.field!] = cell.dataset.value ?? cell.textContent ?? '';
      }
      figures[row.dataset.kernel!] = cells;
    }
    return figures;
  });
}

describe('dashboard in a browser, against the running demo', { skip }, () => {
  let session: DemoSession;
  let dashboard: HttpEndpoint;
  let context: BrowserContext;
  let profile: string;
  let stopLoad: (() => Promise<void>) | undefined;

  before(async () => {
    const executablePath = chromiumFound.path;
    assert.ok(executablePath !== undefined, `Chromium not found: ${chromiumFound.install}`);
    session = await startDemo({ backend: 'cpu' });
    stopLoad = session.startLoad();
    dashboard = await serveDashboard(session.runtime, { port: 0, interval: 100 });
    profile = await mkdtemp(join(tmpdir(), 'ringkernel-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      viewport: { width: 1500, height: 820 },
    });
  });

  after(async () => {
    await context?.close();
    await stopLoad?.();
    await dashboard?.close();
    await session?.close();
    if (profile !== undefined) await rm(profile, { recursive: true, force: true });
  });

  it('lists every kernel with the runtime telemetry, updates live, and draws the routes', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.goto(dashboard.url);
    await page.waitForSelector('#connection.live');
    await page.waitForSelector('#kernels tr[data-kernel="aggregate"]');
    assert.deepEqual(
      await page.$$eval('#kernels tr[data-kernel]', (rows) =>
        rows.map((row) => (row as HTMLElement).dataset.kernel),
      ),
      session.runtime.kernelIds,
    );

    // Live: the page's processed count for the pipeline's entry keeps rising under load.
    const first = Number((await pageFigures(page)).ingest?.messagesProcessed);
    await page.waitForFunction(
      (before) =>
        Number(
          document.querySelector<HTMLElement>('tr[data-kernel="ingest"] [data-field="messagesProcessed"]')
            ?.dataset.value,
        ) > before,
      first,
    );

    // Quiet the runtime, then the page must converge on exactly the runtime's own figures.
    await stopLoad!();
    stopLoad = undefined;
    await new Promise((resolve) => setImmediate(resolve));
    const expected: Record<string, Record<string, string>> = {};
    for (const kernelId of session.runtime.kernelIds) {
      const telemetry = session.runtime.getTelemetry(kernelId);
      expected[kernelId] = { state: telemetry.state };
      for (const counter of counters) expected[kernelId][counter] = String(telemetry[counter]);
    }
    await page
      .waitForFunction(
        (wanted) => {
          for (const [kernelId, fields] of Object.entries(wanted)) {
            for (const [field, value] of Object.entries(fields)) {
              const cell = document.querySelector<HTMLElement>(
                `tr[data-kernel="${kernelId}"] [data-field="${field}"]`,
              );
              if (cell?.dataset.value !== value) return false;
            }
          }
          return true;
        },
        expected,
        { timeout: 10_000 },
      )
      .catch(async (error: unknown) => {
        assert.deepEqual(await pageFigures(page), expected, String(error));
      });
    const shown = await pageFigures(page);
    for (const [kernelId, fields] of Object.entries(expected)) {
      for (const [field, value] of Object.entries(fields))
        assert.equal(shown[kernelId]?.[field], value, `${kernelId}.${field}`);
    }
    assert.ok(Number(expected.ingest!.messagesProcessed) > first);

    // Routes: ingest -> calibrate -> aggregate.
    assert.equal(await page.isVisible('#topology-section'), true);
    assert.deepEqual(
      await page.$$eval('#topology g.node', (nodes) =>
        nodes.map((node) => (node as SVGGElement).dataset.kernel).sort(),
      ),
      ['aggregate', 'calibrate', 'ingest'],
    );
    assert.equal(await page.locator('#topology path.edge').count(), 2);
    assert.ok((await page.locator('#events li').count()) > 0, 'the event stream shows inspection events');

    // Load again so the sparklines have a shape for the screenshot.
    stopLoad = session.startLoad();
    const updates = Number(await page.getAttribute('body', 'data-updates'));
    await page.waitForFunction((from) => Number(document.body.dataset.updates) >= from + 40, updates, {
      timeout: 20_000,
    });
    await mkdir(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: artifact });
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
    assert.deepEqual(problems, []);
  });
});
