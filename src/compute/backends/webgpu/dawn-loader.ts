/// <reference types="@webgpu/types" />
/**
 * Node adapter: loads Dawn through the optional `webgpu` npm package. It imports nothing from
 * `node:` (the package is loaded lazily and only when asked for), so bundling the core for a
 * browser stays possible; there `navigator.gpu` is used instead.
 *
 * Flags: `options.backend`, else env `RINGKERNEL_WEBGPU_BACKEND` (`vulkan`, `opengles`, `metal`,
 * `d3d12`, or `default` for Dawn's own choice). Without either, machines marked
 * `RINGKERNEL_GPU_MACHINE=1` try Dawn's default (Vulkan on Linux) first, others try Mesa's
 * OpenGL ES software path first (adapter in `compatibility` mode, `EGL_PLATFORM=surfaceless`),
 * then the other.
 */
import type { GpuCandidate } from './gpu-candidate.js';

interface DawnModule {
  create(flags: string[]): GPU;
}

interface ProcessLike {
  env: Record<string, string | undefined>;
}

/** One GPU instance per module and flag set: Dawn instances are costly and hold native threads. */
const instancesByModule = new WeakMap<object, Map<string, GPU>>();

function environment(): Record<string, string | undefined> {
  return (globalThis as { process?: ProcessLike }).process?.env ?? {};
}

/**
 * A non-literal specifier keeps type checkers and bundlers from resolving the optional package
 * at build time: builds must work where it is not installed.
 */
const DAWN_PACKAGE = 'webgpu';

function importDawn(): Promise<unknown> {
  return import(DAWN_PACKAGE) as Promise<unknown>;
}

/** Options for {@link loadDawnCandidates}. */
export interface DawnOptions {
  /** Dawn backend: `vulkan`, `opengles`, `metal`, `d3d12`, `default`. Overrides `RINGKERNEL_WEBGPU_BACKEND`. */
  readonly backend?: string;
  /** Loads the `webgpu` module; injectable so tests can simulate its absence. */
  readonly importModule?: () => Promise<unknown>;
  /**
   * Only entry points that can reach a hardware GPU (not Mesa's OpenGL ES path), and none at all on
   * Linux without a GPU device node: probing Dawn there only prints driver warnings.
   */
  readonly hardwareOnly?: boolean;
}

const NODE_FS = 'node:fs';

/**
 * False on Linux when no GPU device node exists (render nodes, NVIDIA, WSL's dxg): no driver could
 * then give Dawn a hardware adapter. True elsewhere or when it cannot be told.
 */
async function mayHaveGpuDevice(): Promise<boolean> {
  const platform = (globalThis as { process?: { platform?: string } }).process?.platform;
  if (platform !== 'linux') return true;
  try {
    const fs = (await import(NODE_FS)) as { readdirSync(path: string): string[] };
    const dev = fs.readdirSync('/dev');
    if (dev.some((name) => name.startsWith('nvidia') || name === 'dxg')) return true;
    return dev.includes('dri') && fs.readdirSync('/dev/dri').some((name) => name.startsWith('renderD'));
  } catch {
    return true;
  }
}

function candidatesFor(backend: string): { flags: string[]; adapterOptions: GPURequestAdapterOptions }[] {
  if (backend === 'default') return [{ flags: [], adapterOptions: { powerPreference: 'high-performance' } }];
  // Dawn's GL backends only offer compatibility-mode adapters.
  const adapterOptions: GPURequestAdapterOptions =
    backend === 'opengles' || backend === 'opengl'
      ? { featureLevel: 'compatibility' }
      : { powerPreference: 'high-performance' };
  return [{ flags: [`backend=${backend}`], adapterOptions }];
}

/** The GPU entry points to try, in order, through Dawn. Rejects if the `webgpu` package cannot be loaded. */
export async function loadDawnCandidates(options: DawnOptions = {}): Promise<GpuCandidate[]> {
  const env = environment();
  if (options.hardwareOnly === true && options.importModule === undefined && !(await mayHaveGpuDevice()))
    return [];
  let module: DawnModule;
  try {
    module = (await (options.importModule ?? importDawn)()) as DawnModule;
  } catch (error) {
    throw new Error(
      `the optional 'webgpu' package (Dawn) could not be loaded (${error instanceof Error ? error.message : String(error)}); ` +
        'install it with npm install webgpu',
      { cause: error },
    );
  }
  if (typeof module.create !== 'function') throw new Error("the 'webgpu' package has no create() export");
  // Mesa's EGL needs a platform when there is no display; harmless elsewhere.
  const processEnv = (globalThis as { process?: ProcessLike }).process?.env;
  if (processEnv !== undefined) processEnv.EGL_PLATFORM ??= 'surfaceless';
  const chosen = options.backend ?? env.RINGKERNEL_WEBGPU_BACKEND;
  const explicit = chosen !== undefined && chosen !== '';
  const plans = options.hardwareOnly
    ? explicit && chosen !== 'opengles' && chosen !== 'opengl'
      ? candidatesFor(chosen)
      : candidatesFor('default')
    : explicit
      ? candidatesFor(chosen)
      : env.RINGKERNEL_GPU_MACHINE === '1'
        ? [...candidatesFor('default'), ...candidatesFor('opengles')]
        : [...candidatesFor('opengles'), ...candidatesFor('default')];
  let instances = instancesByModule.get(module);
  if (instances === undefined) instancesByModule.set(module, (instances = new Map<string, GPU>()));
  const cache = instances;
  return plans.map(({ flags, adapterOptions }) => {
    const key = flags.join(' ');
    let gpu = cache.get(key);
    if (gpu === undefined) cache.set(key, (gpu = module.create(flags)));
    return { gpu, adapterOptions, label: `dawn ${key === '' ? 'default' : key}` };
  });
}
