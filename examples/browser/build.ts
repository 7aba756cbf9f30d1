/**
 * Builds the browser demo into a folder: the library bundle (lib/), the page (index.html, demo.js)
 * and the Web Worker kernels module (worker-kernels.js), all sharing the one bundle.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBrowserBundle, buildPages } from '../../src/browser/bundle-node.js';

const here = fileURLToPath(new URL('.', import.meta.url));

export async function buildDemo(outdir: string): Promise<void> {
  await mkdir(outdir, { recursive: true });
  await buildBrowserBundle(join(outdir, 'lib'));
  await buildPages([join(here, 'demo.ts'), join(here, 'worker-kernels.ts')], outdir, './lib/ringkernel.js');
  await copyFile(join(here, 'index.html'), join(outdir, 'index.html'));
}
