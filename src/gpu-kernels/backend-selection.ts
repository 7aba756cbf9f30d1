import {
  createBackend,
  getAccelerator,
  type BackendChoice,
  type BackendFactory,
  type ComputeBackend,
} from '../compute/index.js';

/**
 * Where a device-resident kernel runs: `'cpu'`, `'webgpu'`, `'auto'` (WebGPU when an adapter is
 * found, else CPU), `'best'` (WebGPU only on a hardware GPU, else CPU: software rasterizers are
 * slower than the CPU backend), a factory, or a backend the caller created and keeps ownership of.
 */
export type KernelBackendOption = BackendChoice | 'best' | BackendFactory | ComputeBackend;

/** A backend for one kernel life and whether that life must dispose it. */
export interface ResolvedBackend {
  readonly backend: ComputeBackend;
  readonly owned: boolean;
}

/** True for a WebGPU adapter that renders in software (Mesa llvmpipe/softpipe, SwiftShader, WARP). */
export function isSoftwareAdapter(info: {
  readonly name: string;
  readonly vendor: string;
  readonly architecture: string;
  readonly details: Readonly<Record<string, string>>;
}): boolean {
  if (info.details.fallbackAdapter === 'true') return true;
  const text = `${info.name} ${info.vendor} ${info.architecture} ${info.details.entry ?? ''}`.toLowerCase();
  return /llvmpipe|softpipe|swiftshader|lavapipe|warp|opengles/.test(text);
}

/** The backend kind `'best'` picks on this machine: `webgpu` on a hardware GPU, else `cpu`. */
export async function bestBackendKind(): Promise<'cpu' | 'webgpu'> {
  const device = await getAccelerator({ backend: 'webgpu' });
  return device.available && !isSoftwareAdapter(device) ? 'webgpu' : 'cpu';
}

/** Creates (or adopts) the backend a kernel life runs on. */
export async function resolveKernelBackend(option: KernelBackendOption): Promise<ResolvedBackend> {
  if (typeof option === 'string') {
    const choice = option === 'best' ? await bestBackendKind() : option;
    return { backend: await createBackend({ backend: choice }), owned: true };
  }
  if ('create' in option) return { backend: await option.create(), owned: true };
  return { backend: option, owned: false };
}
