import { repeat } from '../measure.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';
import { defineMessage } from '../../messages/define.js';
import { field } from '../../messages/fields.js';
import { gpuLayout } from '../../messages/gpu-layout.js';

/*
 * Hot-path costs of the messages subsystem, in ns per operation (loop overhead included). The 3-field
 * message is the guide's calculator request; `create` includes its UUID v4. The difference between the
 * frozen and unfrozen create is what Object.freeze costs per message.
 */

const SIZES = {
  full: { calls: 300_000, batch: 1_000, batches: 300, warmupRuns: 2, runs: 7 },
  quick: { calls: 5_000, batch: 100, batches: 5, warmupRuns: 1, runs: 2 },
} as const;

const operations = ['add', 'sub', 'mul', 'div'] as const;
const CalculateRequest = defineMessage('CalculateRequest', {
  a: field.f64(),
  b: field.f64(),
  operation: field.enum(operations, { default: 'add' }),
});
const UnfrozenRequest = defineMessage(
  'UnfrozenRequest',
  { a: field.f64(), b: field.f64(), operation: field.enum(operations, { default: 'add' }) },
  { freeze: false },
);
const Particle = defineMessage('Particle', {
  position: field.vec3('f32'),
  mass: field.f32(),
  id: field.u32(),
  history: field.array('f32', 3),
});

function nsPerCall(calls: number, loop: () => void): number {
  const start = performance.now();
  loop();
  return ((performance.now() - start) * 1e6) / calls;
}

async function runMessages(context: BenchContext): Promise<BenchResult[]> {
  const { calls, batch, batches, warmupRuns, runs } = context.quick ? SIZES.quick : SIZES.full;
  const options = (label: string) => ({
    warmupRuns,
    runs,
    onRun: (run: number, total: number) => context.progress(run / total, label),
  });
  let sink: unknown;

  const create = await repeat(
    () => ({
      frozen: nsPerCall(calls, () => {
        for (let index = 0; index < calls; index++)
          sink = CalculateRequest.create({ a: index, b: 5, operation: 'mul' });
      }),
      unfrozen: nsPerCall(calls, () => {
        for (let index = 0; index < calls; index++)
          sink = UnfrozenRequest.create({ a: index, b: 5, operation: 'mul' });
      }),
    }),
    options('create'),
  );

  const request = CalculateRequest.create({ a: 10.5, b: 5, operation: 'div' });
  const bytes = CalculateRequest.encode(request);
  const codec = await repeat(
    () => ({
      encode: nsPerCall(calls, () => {
        for (let index = 0; index < calls; index++) sink = CalculateRequest.encode(request);
      }),
      decode: nsPerCall(calls, () => {
        for (let index = 0; index < calls; index++) sink = CalculateRequest.decode(bytes);
      }),
      roundTrip: nsPerCall(calls, () => {
        for (let index = 0; index < calls; index++)
          sink = CalculateRequest.decode(CalculateRequest.encode(request));
      }),
    }),
    options('encode/decode'),
  );

  const layout = gpuLayout(Particle);
  const particles = Array.from({ length: batch }, (_, index) =>
    Particle.create({ position: [index, -index, 0.5], mass: index, id: index, history: [1, 2, 3] }),
  );
  const buffer = new ArrayBuffer(layout.byteLength(batch));
  const gpu = await repeat(
    () => ({
      pack: nsPerCall(batch * batches, () => {
        for (let round = 0; round < batches; round++) layout.pack(particles, buffer);
      }),
      unpack: nsPerCall(batch * Math.ceil(batches / 10), () => {
        for (let round = 0; round < Math.ceil(batches / 10); round++) sink = layout.unpack(buffer, batch);
      }),
    }),
    options('GPU pack/unpack'),
  );
  context.log(`last decoded: ${typeof sink}; encoded 3-field message: ${bytes.length} bytes`);

  return [
    { name: 'messages.create.ns', value: create.medians.frozen, unit: 'ns', target: '< 1000 ns' },
    { name: 'messages.create_unfrozen.ns', value: create.medians.unfrozen, unit: 'ns' },
    { name: 'messages.freeze_cost.ns', value: create.medians.frozen - create.medians.unfrozen, unit: 'ns' },
    { name: 'messages.encode.ns', value: codec.medians.encode, unit: 'ns' },
    { name: 'messages.decode.ns', value: codec.medians.decode, unit: 'ns' },
    { name: 'messages.encode_decode.ns', value: codec.medians.roundTrip, unit: 'ns' },
    { name: 'messages.encoded_size.bytes', value: bytes.length, unit: 'bytes' },
    { name: 'messages.gpu_pack.ns_per_message', value: gpu.medians.pack, unit: 'ns' },
    { name: 'messages.gpu_unpack.ns_per_message', value: gpu.medians.unpack, unit: 'ns' },
  ];
}

/**
 * Cost of message creation (with and without freezing), msgpackr encode/decode of a 3-field message, and
 * GPU struct pack/unpack. Listed by the lead in `src/bench/suites/index.ts`.
 */
export const messagesSuite: BenchSuite = {
  name: 'messages',
  description: 'create, freeze, encode/decode of a 3-field message; GPU layout pack/unpack per message',
  run: runMessages,
};
