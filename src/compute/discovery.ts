import { InvalidArgumentError, describeValue } from '../errors.js';
import { errorText, unavailableAccelerator, type AcceleratorInfo } from './accelerator-info.js';
import {
  BACKEND_KINDS,
  type BackendFactory,
  type BackendKind,
  type ComputeBackend,
  type DeviceScope,
} from './backend.js';
import { cpuBackend } from './backends/cpu/cpu-backend.js';
import { webgpuBackend } from './backends/webgpu/webgpu-backend.js';
import { BackendUnavailableError } from './errors.js';

// Discovery sits above the backends: it knows every shipped factory, while each backend knows only
// the backend interface (backend.ts) and the accelerator description (accelerator-info.ts).

/**
 * Where compute runs. One vocabulary across the library and the CLI:
 * - a backend kind (`'cpu'`, `'webgpu'`): that backend on its best device, software GPUs included;
 * - `'auto'`: the highest-priority backend with a usable **hardware** device, else the CPU. A GPU
 *   emulated on the CPU (llvmpipe, SwiftShader: `AcceleratorInfo.software`) is only chosen by name,
 *   since the CPU backend runs the same work faster on the same cores.
 */
export type BackendChoice = 'auto' | BackendKind;

/** Options shared by discovery and backend selection. */
export interface DiscoveryOptions {
  /** Factories to consider; defaults to {@link defaultBackendFactories}. */
  readonly factories?: readonly BackendFactory[];
}

/** The factories used when none are passed: WebGPU (Dawn in Node, `navigator.gpu` in a browser), then CPU. */
export function defaultBackendFactories(): BackendFactory[] {
  return [webgpuBackend(), cpuBackend()];
}

function byPriority(factories: readonly BackendFactory[]): BackendFactory[] {
  return [...factories].sort((left, right) => right.priority - left.priority);
}

/**
 * Reports every device each factory can see, usable or not (with the reason). Never throws:
 * a backend whose library is missing or broken shows up as `available: false`.
 *
 * @example
 * ```ts
 * const devices = await listAccelerators();
 * const gpu = devices.find((d) => d.backend === 'webgpu' && d.available && !d.software);
 * ```
 */
export async function listAccelerators(options: DiscoveryOptions = {}): Promise<AcceleratorInfo[]> {
  const factories = byPriority(options.factories ?? defaultBackendFactories());
  const reports = await Promise.all(factories.map((factory) => discoverSafely(factory)));
  return reports.flat();
}

async function discoverSafely(factory: BackendFactory, scope?: DeviceScope): Promise<AcceleratorInfo[]> {
  try {
    return await factory.discover(scope);
  } catch (error) {
    return [unavailableAccelerator(factory.kind, `discovery failed: ${errorText(error)}`)];
  }
}

/**
 * The device `backend` would run on (see {@link BackendChoice} for what `'auto'` picks).
 * Resolves to an entry with `available: false` (and the reasons) when nothing fits; never throws
 * for missing hardware.
 *
 * @example
 * ```ts
 * const device = await getAccelerator({ backend: 'auto' });
 * console.log(`running on ${device.backend}: ${device.name}`);
 * ```
 */
export async function getAccelerator(
  options: DiscoveryOptions & { readonly backend?: BackendChoice } = {},
): Promise<AcceleratorInfo> {
  const factories = options.factories ?? defaultBackendFactories();
  const choice = options.backend ?? 'auto';
  assertBackendChoice(choice, factories);
  // Only the named backend is probed: choosing the CPU must not start Dawn.
  const scope: DeviceScope = choice === 'auto' ? { hardwareOnly: true } : {};
  const probed = byPriority(factories.filter((factory) => choice === 'auto' || factory.kind === choice));
  const candidates = (await Promise.all(probed.map((factory) => discoverSafely(factory, scope)))).flat();
  const usable = candidates.find(
    (device) => device.available && !(scope.hardwareOnly === true && device.software),
  );
  if (usable !== undefined) return usable;
  const reasons = candidates.map((device) => `${device.backend}: ${device.reason ?? 'unavailable'}`);
  return unavailableAccelerator(
    choice,
    reasons.length > 0 ? reasons.join('; ') : 'no factory for this backend',
  );
}

/**
 * Creates a backend: the named one, or for `'auto'` the first that starts in this order: backends
 * with a usable hardware device by priority, then the rest by priority (see {@link BackendChoice}).
 *
 * @throws BackendUnavailableError when the named backend (or, for `'auto'`, every backend) fails to start.
 *
 * @example
 * ```ts
 * const backend = await createBackend({ backend: 'auto' });
 * const compute = new ComputeOrchestrator(backend, { ownsBackend: true });
 * ```
 */
export async function createBackend(
  options: DiscoveryOptions & { readonly backend?: BackendChoice } = {},
): Promise<ComputeBackend> {
  const all = options.factories ?? defaultBackendFactories();
  const choice = options.backend ?? 'auto';
  assertBackendChoice(choice, all);
  const attempts: Attempt[] =
    choice === 'auto'
      ? await hardwareFirst(all)
      : byPriority(all)
          .filter((factory) => factory.kind === choice)
          .map((factory) => ({ factory, scope: {} }));
  if (attempts.length === 0)
    throw new BackendUnavailableError(choice, 'no factory for this backend was passed in { factories }');
  const failures: string[] = [];
  for (const { factory, scope } of attempts) {
    try {
      return await factory.create(scope);
    } catch (error) {
      failures.push(`${factory.kind}: ${errorText(error)}`);
    }
  }
  throw new BackendUnavailableError(choice, failures.join('; '));
}

interface Attempt {
  readonly factory: BackendFactory;
  readonly scope: DeviceScope;
}

/**
 * What `'auto'` tries, in order: factories with a usable hardware device (by priority), then the
 * others as a last resort (by priority, software devices allowed: better than nothing).
 */
async function hardwareFirst(factories: readonly BackendFactory[]): Promise<Attempt[]> {
  const ordered = byPriority(factories);
  const hardwareOnly: DeviceScope = { hardwareOnly: true };
  const reports = await Promise.all(ordered.map((factory) => discoverSafely(factory, hardwareOnly)));
  const hasHardware = ordered.map(
    (_, index) => reports[index]?.some((device) => device.available && !device.software) ?? false,
  );
  return [
    ...ordered.filter((_, index) => hasHardware[index]).map((factory) => ({ factory, scope: hardwareOnly })),
    ...ordered.filter((_, index) => !hasHardware[index]).map((factory) => ({ factory, scope: {} })),
  ];
}

function assertBackendChoice(
  choice: unknown,
  factories: readonly BackendFactory[],
): asserts choice is BackendChoice {
  if (choice === 'auto') return;
  const kinds = [...new Set([...BACKEND_KINDS, ...factories.map((factory) => factory.kind)])];
  if (typeof choice === 'string' && kinds.includes(choice)) return;
  const names = ['auto', ...kinds].map((kind) => `'${kind}'`).join(', ');
  throw new InvalidArgumentError(`backend must be one of ${names}; got ${describeValue(choice)}`);
}
