/**
 * Builds the browser bundle with esbuild (a devDependency, loaded when called): `ringkernel.js`
 * (ESM, everything in `ringkernel/browser`, msgpackr included) and `ringkernel-worker.js` (the Web
 * Worker kernels' entry, which imports the bundle so kernel modules and the entry share one copy).
 * The bundle must reach no Node module: `node:` imports, `*-node` adapters and the `webgpu` (Dawn)
 * package fail the build, and the Dawn loader is swapped for its browser stand-in. Used by
 * `npm run build` (scripts/build-browser.ts), the browser demo, tests and benchmarks, from a
 * checkout of the repository (it bundles the TypeScript sources).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as esbuild from 'esbuild';
import type { Plugin } from 'esbuild';

/** The repository root (this file is in src/browser/, or dist/browser/ once built). */
export const root = fileURLToPath(new URL('../../', import.meta.url));
const dawnStandIn = join(root, 'src/compute/backends/webgpu/dawn-loader-browser.ts');

/** esbuild, or an error saying how to get it. */
export async function loadEsbuild(): Promise<typeof esbuild> {
  try {
    return await import('esbuild');
  } catch (error) {
    throw new Error('building the browser bundle needs esbuild: npm install --save-dev esbuild', {
      cause: error,
    });
  }
}

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
 * For pages built on top of the bundle (the demo, the in-page tests and benchmarks): every import
 * of the library's sources becomes an import of the one bundle at `bundleUrl`, so a page, its Web
 * Worker kernels and the worker entry share one copy of ringkernel per thread (message definitions
 * included). Folders in `keep` (relative to the root, e.g. `src/bench`) are bundled into the page.
 */
export function useLibraryBundle(bundleUrl: string, keep: readonly string[] = []): Plugin {
  return {
    name: 'use-library-bundle',
    setup(context) {
      const sources = join(root, 'src') + sep;
      const kept = keep.map((folder) => join(root, folder) + sep);
      context.onResolve({ filter: /^\.\.?\// }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        if (!target.startsWith(sources) || kept.some((folder) => target.startsWith(folder))) return undefined;
        return { path: bundleUrl, external: true };
      });
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
  const { build } = await loadEsbuild();
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

/** Bundles page entries (paths) into `outdir` on top of the bundle at `bundleUrl`, sharing chunks. */
export async function buildPages(
  entries: readonly string[],
  outdir: string,
  bundleUrl: string,
  options: { outbase?: string; plugins?: readonly Plugin[]; keep?: readonly string[] } = {},
): Promise<void> {
  const { build } = await loadEsbuild();
  await build({
    entryPoints: [...entries],
    ...(options.outbase === undefined ? {} : { outbase: options.outbase }),
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'error',
    plugins: [...(options.plugins ?? []), useLibraryBundle(bundleUrl, options.keep)],
  });
}
