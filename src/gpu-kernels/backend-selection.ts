import {
  createBackend,
  type BackendChoice,
  type BackendFactory,
  type ComputeBackend,
} from '../compute/index.js';

/**
 * Where a device-resident kernel runs: a {@link BackendChoice} (`'cpu'`, `'webgpu'`, or `'auto'`:
 * a hardware GPU when there is one, else the CPU), a factory, or a backend the caller created and
 * keeps ownership of.
 */
export type KernelBackendOption = BackendChoice | BackendFactory | ComputeBackend;

/** A backend for one kernel life and whether that life must dispose it. */
export interface ResolvedBackend {
  readonly backend: ComputeBackend;
  readonly owned: boolean;
}

/** Creates (or adopts) the backend a kernel life runs on. */
export async function resolveKernelBackend(option: KernelBackendOption): Promise<ResolvedBackend> {
  if (typeof option === 'string') return { backend: await createBackend({ backend: option }), owned: true };
  if ('create' in option) return { backend: await option.create(), owned: true };
  return { backend: option, owned: false };
}
