/**
 * The `browser` bench suite's page: measures the figures inside the browser (bundled by the suite
 * on top of the browser bundle) and publishes them as `window.__figures`.
 */
import { browserEnvironment } from '../browser/environment.js';
import { webWorkerKernel } from '../workers/web-worker-kernel.js';
import {
  FULL_SIZES,
  QUICK_SIZES,
  measureBrowserFigures,
  measureWorkerRequests,
  messages,
  type BrowserFigures,
} from './browser-figures.js';

declare global {
  interface Window {
    __figures?: Promise<BrowserFigures & { readonly isolated: boolean; readonly adapter: string }>;
  }
}

window.__figures = (async () => {
  const query = new URLSearchParams(location.search);
  const quick = query.get('quick') === '1';
  const env = await browserEnvironment();
  const gpu = env.accelerators.find((device) => device.backend === 'webgpu');
  const worker = () =>
    webWorkerKernel(new URL('./browser-figures.js', import.meta.url), {
      messages,
      queueSize: 8192,
      workerEntry: new URL('./lib/ringkernel-worker.js', import.meta.url),
    });
  const sizes = quick ? QUICK_SIZES : FULL_SIZES;
  const runs = quick ? 1 : 3;
  const figures: BrowserFigures =
    query.get('only') === 'worker'
      ? {
          rttP50Us: 0,
          workerRequestsPerSecond: await measureWorkerRequests({ worker, sizes, runs }),
          anomalyPointsPerSecond: 0,
        }
      : await measureBrowserFigures({ worker, webgpuAvailable: gpu?.available === true, sizes, runs });
  return {
    ...figures,
    isolated: env.crossOriginIsolated,
    adapter: gpu?.available === true ? gpu.name : `none (${gpu?.reason ?? '?'})`,
  };
})();
