// A consumer that loads the WebGPU types itself: `backend.device` is then the full GPUDevice.
/// <reference types="@webgpu/types" />
import type { WebgpuBackend } from 'ringkernel';

export function scratchBuffer(backend: WebgpuBackend): GPUBuffer {
  return backend.device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE });
}
