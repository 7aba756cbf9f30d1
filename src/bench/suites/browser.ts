import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBrowserBundle, buildPages, root } from '../../browser/bundle-node.js';
import { serveStatic } from '../../browser/static-server-node.js';
import { webgpuBackend } from '../../compute/backends/webgpu/webgpu-backend.js';
import { workerKernel } from '../../workers/index.js';
import {
  FULL_SIZES,
  QUICK_SIZES,
  measureBrowserFigures,
  messages,
  type BrowserFigures,
} from '../browser-figures.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';

/*
 * The browser suite (`npm run bench -- --browser`): the page measures, inside headless Chromium
 * with a SwiftShader WebGPU adapter (a CPU emulation: no target, report only),
 * - `browser.runtime.rtt.p50_us`: event-loop echo kernel, sequential request round trips (median of
 *   20-round-trip block means: a page's clock ticks in 5 µs steps);
 * - `browser.worker.request.msgs_per_s`: Web Worker echo kernel (cross-origin isolated page:
 *   SharedArrayBuffer rings), 64 requests in flight;
 * - `browser.webgpu.anomaly.points_per_s`: the anomaly detector on navigator.gpu, batches of 1,000;
 * - `browser.worker_postmessage.request.msgs_per_s`: the Web Worker figure in a page that is not
 *   isolated (ring memory mirrored over postMessage);
 * and the same code measures `browser.node.*` in Node in the same run (a worker thread, Dawn), so
 * the page's figures read as ratios to Node's.
 */

const CHROMIUM = process.env.RINGKERNEL_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];
const PAGE_HTML =
  '<!doctype html><meta charset="utf-8"><title>ringkernel browser bench</title>\n' +
  '<script type="module" src="./browser-page.js"></script>\n';

type PageFigures = BrowserFigures & { readonly isolated: boolean; readonly adapter: string };

async function measureInBrowser(
  context: BenchContext,
): Promise<{ isolated: PageFigures; notIsolated: PageFigures }> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Chromium (apt-get install chromium) or set RINGKERNEL_CHROMIUM`,
    );
  const { chromium } = await import('playwright-core');
  const dir = await mkdtemp(join(tmpdir(), 'ringkernel-bench-'));
  const profile = await mkdtemp(join(tmpdir(), 'ringkernel-bench-chromium-'));
  const server = await (async () => {
    await buildBrowserBundle(join(dir, 'lib'));
    await buildPages(
      [join(root, 'src/bench/browser-page.ts'), join(root, 'src/bench/browser-figures.ts')],
      dir,
      './lib/ringkernel.js',
      { keep: ['src/bench'] },
    );
    await writeFile(join(dir, 'index.html'), PAGE_HTML);
    return [await serveStatic(dir, { isolated: true }), await serveStatic(dir, { isolated: false })] as const;
  })();
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
  });
  try {
    const measure = async (url: string) => {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(String(error)));
      await page.goto(url);
      await page.waitForFunction(() => window.__figures !== undefined, undefined, { timeout: 30_000 });
      const figures = await page.evaluate(() => window.__figures!);
      if (problems.length > 0) throw new Error(`the bench page failed: ${problems.join('; ')}`);
      await page.close();
      return figures;
    };
    const quick = context.quick ? 1 : 0;
    return {
      isolated: await measure(`${server[0].url}?quick=${quick}`),
      notIsolated: await measure(`${server[1].url}?quick=${quick}&only=worker`),
    };
  } finally {
    await browser.close();
    await Promise.all(server.map((each) => each.close()));
    await rm(dir, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  }
}

const ownExtension = /\.[cm]?[jt]s$/.exec(import.meta.url)?.[0] ?? '.js';

export const browserSuite: BenchSuite = {
  name: 'browser',
  description:
    'headless Chromium (SwiftShader WebGPU): runtime RTT, Web Worker requests, WebGPU anomaly; Node alongside',
  optIn: true,
  async run(context: BenchContext): Promise<BenchResult[]> {
    context.progress(0, 'in Chromium');
    const { isolated: page, notIsolated } = await measureInBrowser(context);
    context.log(`page: cross-origin isolated ${page.isolated}, WebGPU adapter ${page.adapter}`);
    context.log(`second page: cross-origin isolated ${notIsolated.isolated} (Web Workers over postMessage)`);
    context.progress(0.5, 'in Node');
    const [gpu] = await webgpuBackend().discover();
    context.log(
      `node: WebGPU adapter ${gpu?.available === true ? gpu.name : `none (${gpu?.reason ?? '?'})`}`,
    );
    const node = await measureBrowserFigures({
      worker: () =>
        workerKernel(new URL(`../browser-figures${ownExtension}`, import.meta.url), {
          messages,
          queueSize: 8192,
        }),
      webgpuAvailable: gpu?.available === true,
      sizes: context.quick ? QUICK_SIZES : FULL_SIZES,
      runs: context.quick ? 1 : 3,
    });
    context.progress(1);
    const figures = (prefix: string, measured: BrowserFigures): BenchResult[] => [
      { name: `${prefix}.runtime.rtt.p50_us`, value: measured.rttP50Us, unit: 'us' },
      {
        name: `${prefix}.worker.request.msgs_per_s`,
        value: measured.workerRequestsPerSecond,
        unit: 'msgs/s',
      },
      {
        name: `${prefix}.webgpu.anomaly.points_per_s`,
        value: measured.anomalyPointsPerSecond,
        unit: 'points/s',
      },
    ];
    return [
      ...figures('browser', page),
      {
        name: 'browser.worker_postmessage.request.msgs_per_s',
        value: notIsolated.workerRequestsPerSecond,
        unit: 'msgs/s',
      },
      ...figures('browser.node', node),
    ];
  },
};
