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
  messages,
  type BrowserFigures,
} from './browser-figures.js';

declare global {
  interface Window {
    __figures?: Promise<BrowserFigures & { readonly isolated: boolean; readonly adapter: string }>;
  }
}

window.__figures = (async () => {
  const quick = new URLSearchParams(location.search).get('quick') === '1';
  const env = await browserEnvironment();
  const gpu = env.accelerators.find((device) => device.backend === 'webgpu');
  const figures = await measureBrowserFigures({
    worker: () =>
      webWorkerKernel(new URL('./browser-figures.js', import.meta.url), {
        messages,
        queueSize: 8192,
        workerEntry: new URL('./lib/ringkernel-worker.js', import.meta.url),
      }),
    webgpuAvailable: gpu?.available === true,
    sizes: quick ? QUICK_SIZES : FULL_SIZES,
    runs: quick ? 1 : 3,
  });
  return {
    ...figures,
    isolated: env.crossOriginIsolated,
    adapter: gpu?.available === true ? gpu.name : `none (${gpu?.reason ?? '?'})`,
  };
})();
