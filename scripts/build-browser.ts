/**
 * `node --import tsx scripts/build-browser.ts [outdir]` (part of `npm run build`): writes the
 * browser bundle, `dist/browser/ringkernel.js`, and its Web Worker entry (see
 * src/browser/bundle-node.ts).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBrowserBundle, root } from '../src/browser/bundle-node.js';

export { buildBrowserBundle, root, useLibraryBundle } from '../src/browser/bundle-node.js';

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outdir = process.argv[2] ?? join(root, 'dist/browser');
  const bytes = await buildBrowserBundle(outdir);
  console.log(`${join(outdir, 'ringkernel.js')}: ${(bytes / 1024).toFixed(0)} kB`);
}
