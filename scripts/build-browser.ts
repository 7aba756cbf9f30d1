/**
 * Builds the browser bundle: `dist/browser/ringkernel.js` (ESM, everything in `ringkernel/browser`,
 * msgpackr included) and `dist/browser/ringkernel-worker.js` (the Web Worker kernels' entry, which
 * imports the bundle so kernel modules and the entry share one copy). The bundle must reach no
 * Node module: `node:` imports, `*-node` adapters and the `webgpu` (Dawn) package fail the build;
 * the Dawn loader is swapped for its browser stand-in.
 *
 * Run: `node --import tsx scripts/build-browser.ts [outdir]` (part of `npm run build`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

export const root = fileURLToPath(new URL('../', import.meta.url));
const dawnStandIn = join(root, 'src/compute/backends/webgpu/dawn-loader-browser.ts');

/** Keeps Node-only code out of a browser build (and swaps Dawn's loader for its stand-in). */
export const browserOnly: Plugin = {
  name: 'ringkernel-browser-only',
  setup(context) {
    context.onResolve({ filter: /(^|\/)dawn-loader\.js$/ }, () => ({ path: dawnStandIn }));
    context.onResolve({ filter: /^node:|^webgpu$|-node(\.[jt]s)?$/ }, (args) => ({
      errors: [
        {
          text: `'${args.path}' is Node-only and must not reach the browser bundle (imported by ${args.importer})`,
        },
      ],
    }));
  },
};

/**
 * For pages built on top of the bundle (the demo, the in-page tests): every import of the library's
 * sources becomes an import of the one bundle at `bundleUrl`, so a page, its Web Worker kernels
 * and the worker entry share one copy of ringkernel per thread (message definitions included).
 */
export function useLibraryBundle(bundleUrl: string): Plugin {
  return {
    name: 'use-library-bundle',
    setup(context) {
      const sources = join(root, 'src') + sep;
      context.onResolve({ filter: /^\.\.?\// }, (args) =>
        resolve(args.resolveDir, args.path).startsWith(sources)
          ? { path: bundleUrl, external: true }
          : undefined,
      );
    },
  };
}

/** The worker entry module's source: next to the bundle, importing it. */
export const WORKER_ENTRY_SOURCE =
  "// The entry of ringkernel's Web Worker kernels: imports the bundle next to it and waits for boot data.\n" +
  "import { startWebWorkerEntry } from './ringkernel.js';\n\nstartWebWorkerEntry();\n";

/** Builds `ringkernel.js` and `ringkernel-worker.js` into `outdir`; resolves to the bundle's size in bytes. */
export async function buildBrowserBundle(
  outdir: string,
  options: { minify?: boolean } = {},
): Promise<number> {
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join(root, 'src/browser/index.ts')],
    outfile: join(outdir, 'ringkernel.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    minify: options.minify ?? false,
    metafile: true,
    logLevel: 'error',
    plugins: [browserOnly],
  });
  await writeFile(join(outdir, 'ringkernel-worker.js'), WORKER_ENTRY_SOURCE);
  const output = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('ringkernel.js'));
  return output?.[1].bytes ?? 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outdir = process.argv[2] ?? join(root, 'dist/browser');
  const bytes = await buildBrowserBundle(outdir);
  console.log(`${join(outdir, 'ringkernel.js')}: ${(bytes / 1024).toFixed(0)} kB`);
}
