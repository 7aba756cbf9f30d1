/// <reference types="@webgpu/types" />

// The shipped declarations name these WebGPU types. Declaring them (empty) here keeps the .d.ts free
// of a reference to @webgpu/types, whose declarations need the DOM lib (a Node project compiling
// with lib es2023 and @types/node would fail on them): without WebGPU types the names resolve to
// opaque interfaces, and where @webgpu/types (or a lib with WebGPU) is loaded these merge with the
// real ones, so `backend.device` is the full `GPUDevice`.
declare global {
  /* eslint-disable @typescript-eslint/no-empty-object-type -- stand-ins, merged with the real interfaces */
  interface GPU {}
  interface GPURequestAdapterOptions {}
  /* eslint-enable @typescript-eslint/no-empty-object-type */
}

/** One way to reach a GPU: an entry point and the adapter options to ask it with. */
export interface GpuCandidate {
  readonly gpu: GPU;
  readonly adapterOptions: GPURequestAdapterOptions;
  readonly label: string;
}
