/**
 * Checks generated WGSL layouts against a real WebGPU implementation (Dawn through the `webgpu` package).
 * Not part of `npm test` (CI has no GPU): run it by hand on a machine with one:
 *
 *   node --import tsx test/messages/gpu-layout-webgpu-check.ts
 *
 * For each schema it packs messages with `gpuLayout().pack`, runs a compute shader that reads every field
 * through the generated struct, adds 1 to each component and writes the struct back, then unpacks and
 * compares with the same change made on the CPU. A wrong offset, alignment, array stride or struct stride
 * shows up as a mismatch (or as a WGSL compile error). Exits 1 on any failure.
 */
import assert from 'node:assert/strict';
import { create, globals } from 'webgpu';
import {
  defineMessage,
  field,
  gpuLayout,
  type GpuLayout,
  type MessageDefinition,
} from '../../src/messages/index.js';

Object.assign(globalThis, globals);

// WebGPU flag values from the spec (the TypeScript DOM lib has no WebGPU globals).
const BUFFER_USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;
const MAP_MODE_READ = 0x1;

const schemas: MessageDefinition[] = [
  defineMessage('Scalars', { a: field.f32(), b: field.i32(), c: field.u32() }),
  defineMessage('Particle', { position: field.vec3('f32'), mass: field.f32() }),
  defineMessage('Shifted', { a: field.f32(), v: field.vec3('f32') }),
  defineMessage('Two', { a: field.f32(), v: field.vec2('f32'), b: field.u32() }),
  defineMessage('Four', { c: field.vec4('u32'), d: field.i32() }),
  defineMessage('Arrays', { values: field.array('f32', 3), tail: field.f32() }),
  defineMessage('Corners', { corners: field.vectorArray(3, 'f32', 2), t: field.f32() }),
  defineMessage('Pairs', { flag: field.u32(), pairs: field.vectorArray(2, 'i32', 3) }),
  defineMessage('Everything', {
    id: field.u32(),
    position: field.vec3('f32'),
    charge: field.i32(),
    velocity: field.vec3('f32'),
    history: field.array('f32', 5),
    flags: field.vec2('u32'),
    corners: field.vectorArray(3, 'i32', 3),
    weights: field.vec4('f32'),
    tail: field.f32(),
  }),
];

function shaderFor(layout: GpuLayout): string {
  const body = layout.fields
    .map((entry) => {
      const one =
        entry.vectorWidth === 1 ? `${entry.scalar}(1)` : `vec${entry.vectorWidth}<${entry.scalar}>(1)`;
      if (entry.arrayLength === undefined) return `  item.${entry.name} = item.${entry.name} + ${one};`;
      return (
        `  for (var k = 0u; k < ${entry.arrayLength}u; k++) {\n` +
        `    item.${entry.name}[k] = item.${entry.name}[k] + ${one};\n  }`
      );
    })
    .join('\n');
  return (
    `${layout.wgsl}\n` +
    `@group(0) @binding(0) var<storage, read> inputs: array<${layout.structName}>;\n` +
    `@group(0) @binding(1) var<storage, read_write> outputs: array<${layout.structName}>;\n` +
    `@compute @workgroup_size(64)\n` +
    `fn main(@builtin(global_invocation_id) id: vec3<u32>) {\n` +
    `  let index = id.x;\n` +
    `  if (index >= arrayLength(&inputs)) { return; }\n` +
    `  var item = inputs[index];\n${body}\n` +
    `  outputs[index] = item;\n}\n`
  );
}

function sampleInit(definition: MessageDefinition, index: number): Record<string, unknown> {
  const init: Record<string, unknown> = {};
  for (const name of definition.fieldNames) {
    const spec = definition.fields[name];
    assert.ok(spec !== undefined);
    const base = index * 100 + name.length;
    if (spec.kind === 'f32') init[name] = base + 0.25;
    else if (spec.kind === 'i32') init[name] = -base;
    else if (spec.kind === 'u32') init[name] = base;
    else {
      const count = (spec.vectorWidth ?? 1) * (spec.length ?? 1);
      const values = Array.from({ length: count }, (_, lane) =>
        spec.elementKind === 'i32' ? -(base + lane) : base + lane + (spec.elementKind === 'f32' ? 0.5 : 0),
      );
      init[name] = values;
    }
  }
  return init;
}

function plusOne(message: Record<string, unknown>, definition: MessageDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of definition.fieldNames) {
    const value = message[name];
    out[name] =
      typeof value === 'number'
        ? value + 1
        : Array.from(value as ArrayLike<number>, (element) => element + 1);
  }
  return out;
}

async function main(): Promise<void> {
  const gpu = create([]);
  const adapter = await gpu.requestAdapter();
  if (adapter === null || adapter === undefined) throw new Error('no WebGPU adapter on this machine');
  const info = adapter.info;
  console.log(`adapter: ${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
  const device = await adapter.requestDevice();
  let failures = 0;
  const count = 67; // not a multiple of the workgroup size, and enough to catch a wrong struct stride
  for (const definition of schemas) {
    const layout = gpuLayout(definition);
    const messages = Array.from({ length: count }, (_, index) =>
      definition.create(sampleInit(definition, index)),
    );
    const bytes = layout.byteLength(count);
    const staging = new ArrayBuffer(bytes);
    layout.pack(messages, staging);
    const usage = BUFFER_USAGE;
    const source = device.createBuffer({ size: bytes, usage: usage.STORAGE | usage.COPY_DST });
    const target = device.createBuffer({ size: bytes, usage: usage.STORAGE | usage.COPY_SRC });
    const readback = device.createBuffer({ size: bytes, usage: usage.MAP_READ | usage.COPY_DST });
    device.queue.writeBuffer(source, 0, staging);
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: shaderFor(layout) });
    const compilation = await module.getCompilationInfo();
    const errors = compilation.messages.filter((message) => message.type === 'error');
    if (errors.length > 0) {
      failures += 1;
      console.log(`FAIL ${definition.name}: WGSL errors\n${errors.map((error) => error.message).join('\n')}`);
      continue;
    }
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: source } },
        { binding: 1, resource: { buffer: target } },
      ],
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(count / 64));
    pass.end();
    encoder.copyBufferToBuffer(target, 0, readback, 0, bytes);
    device.queue.submit([encoder.finish()]);
    const validation = await device.popErrorScope();
    if (validation !== null) {
      failures += 1;
      console.log(`FAIL ${definition.name}: ${validation.message}`);
      continue;
    }
    await readback.mapAsync(MAP_MODE_READ);
    const result = readback.getMappedRange().slice(0);
    readback.unmap();
    const back = layout.unpack(result, count);
    try {
      for (let index = 0; index < count; index += 1) {
        const expected = plusOne(messages[index] as unknown as Record<string, unknown>, definition);
        const actual = back[index] as unknown as Record<string, unknown>;
        for (const name of definition.fieldNames) {
          const got = actual[name];
          const want = expected[name];
          const gotValues = typeof got === 'number' ? [got] : Array.from(got as ArrayLike<number>);
          const wantValues =
            typeof want === 'number' ? [Math.fround(want)] : (want as number[]).map(Math.fround);
          assert.deepEqual(gotValues, wantValues, `${definition.name}[${index}].${name}`);
        }
      }
      console.log(`ok   ${definition.name}: size ${layout.size}, align ${layout.align}, ${count} structs`);
    } catch (error) {
      failures += 1;
      console.log(`FAIL ${(error as Error).message}`);
    }
    source.destroy();
    target.destroy();
    readback.destroy();
  }
  device.destroy();
  if (failures > 0) {
    console.log(`${failures} layout(s) disagree with WebGPU`);
    process.exitCode = 1;
  } else {
    console.log(`all ${schemas.length} layouts agree with WebGPU`);
  }
}

await main();
