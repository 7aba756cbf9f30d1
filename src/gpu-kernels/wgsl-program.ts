import type { GpuLayout } from '../messages/index.js';
import type { StateBufferSpec } from './state-buffers.js';

/** How the messages of one batch are processed on the device. */
export type BatchOrder = 'parallel' | 'sequential' | 'workgroup';

/** Threads per work-group of parallel kernels. */
export const PARALLEL_WORKGROUP_SIZE = 64;
/** Threads of the one work-group that runs a `'workgroup'` kernel (WGSL constant `WORKGROUP_LANES`). */
export const WORKGROUP_LANES = 256;

/** Everything the WGSL of a device-resident kernel is generated from. */
export interface WgslProgramParts {
  readonly input: GpuLayout;
  readonly output: GpuLayout;
  readonly state: readonly (readonly [string, StateBufferSpec])[];
  readonly body: string;
  readonly helpers: string;
  readonly order: BatchOrder;
}

/** Binding numbers: inputs, outputs and the batch uniform first, then the state buffers in declaration order. */
export const INPUT_BINDING = 0;
export const OUTPUT_BINDING = 1;
export const BATCH_BINDING = 2;
export const FIRST_STATE_BINDING = 3;

/**
 * The complete WGSL module of a device-resident kernel: the schema structs, the bindings, the user's
 * helpers, `fn handle(index)` wrapping the user's per-message body, and the entry point `main`.
 *
 * Inside the body: `input` points at the message's struct (read-only), `output` at the reply's struct
 * (zeroed before the body runs), `index` is the message's position in the batch, `batch.count` the batch
 * size, `batch.first` the stream position of the batch's first message, and every state buffer is an
 * `array<T>` under its own name.
 */
export function wgslProgram(parts: WgslProgramParts): string {
  const { input, output, state, order } = parts;
  const lines = [
    input.wgsl,
    output.wgsl,
    'struct BatchInfo {',
    '  count: u32,',
    '  first: u32,',
    '}',
    `@group(0) @binding(${INPUT_BINDING}) var<storage, read> inputs: array<${input.structName}>;`,
    `@group(0) @binding(${OUTPUT_BINDING}) var<storage, read_write> outputs: array<${output.structName}>;`,
    `@group(0) @binding(${BATCH_BINDING}) var<uniform> batch: BatchInfo;`,
  ];
  state.forEach(([name, spec], position) => {
    lines.push(
      `@group(0) @binding(${FIRST_STATE_BINDING + position}) var<storage, read_write> ${name}: array<${spec.type}>;`,
    );
  });
  if (order === 'workgroup') {
    // One work-group walks the batch in order; all lanes run the body for each message together.
    lines.push(
      `const WORKGROUP_LANES: u32 = ${WORKGROUP_LANES}u;`,
      '',
      parts.helpers,
      '',
      'fn handle(index: u32, lane: u32) {',
      '  let input = &inputs[index];',
      '  let output = &outputs[index];',
      parts.body,
      '}',
      '',
      `@compute @workgroup_size(${WORKGROUP_LANES})`,
      'fn main(@builtin(local_invocation_index) lane: u32) {',
      '  for (var index = 0u; index < batch.count; index++) {',
      `    if (lane == 0u) { outputs[index] = ${output.structName}(); }`,
      '    storageBarrier();',
      '    workgroupBarrier();',
      '    handle(index, lane);',
      '    storageBarrier();',
      '    workgroupBarrier();',
      '  }',
      '}',
    );
    return lines.join('\n');
  }
  lines.push(
    '',
    parts.helpers,
    '',
    'fn handle(index: u32) {',
    '  let input = &inputs[index];',
    '  let output = &outputs[index];',
    `  *output = ${output.structName}();`,
    parts.body,
    '}',
    '',
  );
  if (order === 'sequential')
    lines.push(
      '@compute @workgroup_size(1)',
      'fn main() {',
      '  for (var index = 0u; index < batch.count; index++) {',
      '    handle(index);',
      '  }',
      '}',
    );
  else
    lines.push(
      `@compute @workgroup_size(${PARALLEL_WORKGROUP_SIZE})`,
      'fn main(@builtin(global_invocation_id) id: vec3<u32>) {',
      '  if (id.x < batch.count) {',
      '    handle(id.x);',
      '  }',
      '}',
    );
  return lines.join('\n');
}
