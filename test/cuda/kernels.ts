import { defineMessage, field } from '../../src/messages/index.js';
import { cudaRingKernel, type CudaDeviceChoice } from '../../src/gpu-kernels/cuda/index.js';
import type { KernelOptions } from '../../src/runtime/index.js';

/** Shared by the conformance tests and the PTX compile check: every kernel shape the tests use. */
export const Particle = defineMessage('CuParticle', {
  position: field.vec3('f32'),
  mass: field.f32(),
  weights: field.array('f32', 3),
  id: field.u32(),
  offset: field.i32(),
});
export const Moved = defineMessage('CuMoved', {
  position: field.vec3('f32'),
  weighted: field.f32(),
  id: field.u32(),
  seen: field.u32(),
  stream_position: field.u32(),
});

/** Sequential order, a state counter every message bumps, vec3 + array fields, rejection by status. */
export function particleKernel(device: CudaDeviceChoice, ringCapacity = 64) {
  return cudaRingKernel({
    kernelId: 'particles',
    input: Particle,
    output: Moved,
    device,
    order: 'sequential',
    ringCapacity,
    lanes: 32,
    state: { seen: { type: 'u32', length: 1 }, scale: { type: 'f32', length: 1, init: [0.5] } },
    cudaHelpers: '__device__ float weigh(const float* w, float x) { return (w[0] + w[1] + w[2]) * x; }',
    cuda: `
      if (input.id == 0xdeadu) { status = 7u; return; }
      seen[0] += 1u;
      const float factor = input.mass * scale[0];
      output.position = make_float3(input.position.x * factor + input.offset, input.position.y * factor + input.offset,
                                    input.position.z * factor + input.offset);
      output.weighted = weigh(input.weights, input.mass);
      output.id = input.id;
      output.seen = seen[0];
      output.stream_position = first + index;`,
    emulate: (request, state, index, first) => {
      if (request.id === 0xdead) throw Object.assign(new Error('rejected'), { status: 7 });
      state.seen[0]! += 1;
      const factor = request.mass * state.scale[0]!;
      const [x, y, z] = request.position;
      const weights = request.weights;
      return {
        position: [x! * factor + request.offset, y! * factor + request.offset, z! * factor + request.offset],
        weighted: (weights[0]! + weights[1]! + weights[2]!) * request.mass,
        id: request.id,
        seen: state.seen[0]!,
        stream_position: first + index,
      };
    },
  });
}

export const AddRequest = defineMessage('CuAdd', { a: field.f32(), b: field.f32() });
export const AddReply = defineMessage('CuSum', { sum: field.f32() });

/** Parallel order (one thread per message of a burst), no state. */
export function adderKernel(
  device: CudaDeviceChoice,
  options: { lanes?: number; ringCapacity?: number; ptx?: string } & KernelOptions = {},
) {
  return cudaRingKernel({
    kernelId: 'adder',
    lanes: 32,
    ...options,
    input: AddRequest,
    output: AddReply,
    device,
    cuda: 'output.sum = input.a + input.b;',
    emulate: (request) => ({ sum: request.a + request.b }),
  });
}

/** Every vector shape: arrays of vec3 (stride 16), vec2 (align 8), vec4 (align 16) of each scalar kind. */
export const Vectors = defineMessage('CuVectors', {
  points: field.vectorArray(3, 'f32', 2),
  step: field.vec2('i32'),
  mask: field.vec4('u32'),
  scale: field.f32(),
});
export const VectorSum = defineMessage('CuVectorSum', {
  total: field.vec3('f32'),
  steps: field.i32(),
  bits: field.u32(),
});

/** Adds the two points (scaled), the step's lanes and the mask's lanes. */
export function vectorKernel(device: CudaDeviceChoice) {
  return cudaRingKernel({
    kernelId: 'vectors',
    input: Vectors,
    output: VectorSum,
    device,
    lanes: 32,
    ringCapacity: 16,
    cuda: `
      output.total = make_float3((input.points[0].value.x + input.points[1].value.x) * input.scale,
                                 (input.points[0].value.y + input.points[1].value.y) * input.scale,
                                 (input.points[0].value.z + input.points[1].value.z) * input.scale);
      output.steps = input.step.x + input.step.y;
      output.bits = input.mask.x | input.mask.y | input.mask.z | input.mask.w;`,
    emulate: (request) => {
      const points = request.points;
      return {
        total: [0, 1, 2].map((lane) => (points[lane]! + points[3 + lane]!) * request.scale),
        steps: request.step[0]! + request.step[1]!,
        bits: request.mask[0]! | request.mask[1]! | request.mask[2]! | request.mask[3]!,
      };
    },
  });
}

/** Hangs (never returns) on the message with `a === 39`; answers the others. Emulator only. */
export function hangingKernel() {
  return cudaRingKernel({
    kernelId: 'hang',
    input: AddRequest,
    output: AddReply,
    device: 'emulator',
    lanes: 32,
    ringCapacity: 64,
    terminateTimeout: 300,
    cuda: 'output.sum = input.a + input.b;',
    emulate: (request) => {
      if (request.a === 39) for (;;);
      return { sum: request.a + request.b };
    },
  });
}
