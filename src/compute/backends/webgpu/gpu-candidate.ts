/// <reference types="@webgpu/types" />

/** One way to reach a GPU: an entry point and the adapter options to ask it with. */
export interface GpuCandidate {
  readonly gpu: GPU;
  readonly adapterOptions: GPURequestAdapterOptions;
  readonly label: string;
}
