/**
 * Stands in for `dawn-loader.ts` in the browser bundle (the build swaps the module): Dawn is the
 * Node loader. In a page, WebGPU comes from `navigator.gpu`, so reaching this means there is none.
 */
import type { GpuCandidate } from './gpu-candidate.js';

export interface DawnOptions {
  readonly backend?: string;
  readonly importModule?: () => Promise<unknown>;
  readonly hardwareOnly?: boolean;
}

export function loadDawnCandidates(_options: DawnOptions = {}): Promise<GpuCandidate[]> {
  const scope = globalThis as { isSecureContext?: boolean };
  return Promise.reject(
    new Error(
      scope.isSecureContext === false
        ? 'navigator.gpu is missing: WebGPU needs a secure context (https, or http://localhost)'
        : 'navigator.gpu is missing: this browser has no WebGPU (Chrome or Edge 113+, Safari 26+, ' +
            'or Firefox 141+ on Windows; on Linux Chrome needs --enable-unsafe-webgpu)',
    ),
  );
}
