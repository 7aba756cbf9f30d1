import type { StateElementType } from '../state-buffers.js';
import {
  COMMAND,
  CONTROL,
  DEVICE_ERROR,
  DEVICE_MODE,
  DEVICE_STATE,
  OUTPUT_HEADER_BYTES,
  type RingRegion,
} from './ring-protocol.js';
import { StructCodec, type PlainFieldLayout, type StructValues } from './struct-codec.js';

/** How the emulator's JS body is called: like a `cpu` handler of `gpuRingKernel`, over plain structs. */
export type EmulatorBody = (
  input: StructValues,
  state: Record<string, Float32Array | Int32Array | Uint32Array>,
  index: number,
  first: number,
) => Readonly<Record<string, unknown>> | undefined;

/** Everything the emulator needs, as plain data (it crosses into a worker thread). */
export interface EmulatorProgram {
  readonly kernelId: string;
  readonly inputFields: readonly PlainFieldLayout[];
  readonly outputFields: readonly PlainFieldLayout[];
  /** Source of the {@link EmulatorBody}: a self-contained function expression (no closures). */
  readonly bodySource: string;
  readonly order: 'parallel' | 'sequential';
  readonly state: readonly (readonly [name: string, type: StateElementType, buffer: SharedArrayBuffer])[];
}

/** Polls before the emulator sleeps on the host doorbell (the GPU's `__nanosleep` backoff, in effect). */
const SPIN_POLLS = 2_000;
/** Longest sleep on the doorbell before looking again. */
const SLEEP_MS = 20;

/** Compiles the body source into a function (it runs in the emulator's own thread). */
export function compileEmulatorBody(source: string): EmulatorBody {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the body is the kernel author's own code, shipped as source to the emulator thread
  const factory = new Function(`"use strict"; return (${source});`) as () => unknown;
  const made = factory();
  if (typeof made !== 'function') throw new TypeError('the emulator body must be a function expression');
  return made as EmulatorBody;
}

/**
 * Plays the GPU's part over a ring region: the same loop as the generated CUDA kernel (see
 * `cudaProgram`), one burst of up to `maxBurst` messages at a time, in TypeScript. Returns when the
 * host sets `terminate` and every published input has been processed (drained).
 *
 * A body that throws rejects its message: the output slot's status is the error's numeric `status`
 * if it has a positive one, else 1, and no reply is made from it.
 */
export function runEmulatedDevice(region: RingRegion, program: EmulatorProgram): void {
  const body = compileEmulatorBody(program.bodySource);
  const inputCodec = new StructCodec(program.inputFields);
  const outputCodec = new StructCodec(program.outputFields);
  const state: Record<string, Float32Array | Int32Array | Uint32Array> = {};
  for (const [name, type, buffer] of program.state)
    state[name] =
      type === 'f32'
        ? new Float32Array(buffer)
        : type === 'i32'
          ? new Int32Array(buffer)
          : new Uint32Array(buffer);
  const view = new DataView(region.buffer, region.bytes.byteOffset, region.bytes.byteLength);
  const { capacity, maxBurst, outputSlotBytes } = region.layout;
  const words = region.words;
  const counters = { processed: 0, rejected: 0, bursts: 0, idlePolls: 0 };
  const started = performance.now();
  const writeClock = (): void => {
    const ns = BigInt(Math.round((performance.now() - started) * 1e6));
    region.store(CONTROL.clockLow, Number(ns & 0xffffffffn));
    region.store(CONTROL.clockHigh, Number(ns >> 32n));
  };

  region.store(CONTROL.deviceMode, DEVICE_MODE.emulator);
  region.store(CONTROL.launches, region.load(CONTROL.launches) + 1);
  region.store(CONTROL.deviceState, DEVICE_STATE.running);
  region.bump(CONTROL.deviceDoorbell);
  let head = region.load(region.inputHeadWord);
  let outputTail = region.load(region.outputTailWord);
  let idle = 0;
  for (;;) {
    const doorbell = Atomics.load(words, CONTROL.hostDoorbell);
    const command = region.load(CONTROL.command);
    const tail = region.load(region.inputTailWord);
    const outputHead = region.load(region.outputHeadWord);
    const waiting = (tail - head) >>> 0;
    const room = capacity - ((outputTail - outputHead) >>> 0);
    const terminating = (command & COMMAND.terminate) !== 0;
    // Deactivated: messages stay in the ring until reactivation; termination drains them.
    const taking = (command & COMMAND.active) !== 0 || terminating;
    const burst = taking ? Math.min(waiting, room, maxBurst) : 0;
    if (burst === 0) {
      if (terminating && waiting === 0) break;
      counters.idlePolls++;
      if (++idle > SPIN_POLLS) Atomics.wait(words, CONTROL.hostDoorbell, doorbell, SLEEP_MS);
      continue;
    }
    idle = 0;
    region.store(CONTROL.claimed, (head + burst) >>> 0);
    // One thread: both orders walk the burst in order (a parallel body must not depend on it).
    for (let index = 0; index < burst; index++) {
      const position = (head + index) >>> 0;
      const slot = region.outputSlotOffset(outputTail + index);
      region.bytes.fill(0, slot, slot + outputSlotBytes);
      let status = 0;
      try {
        const reply = body(inputCodec.read(view, region.inputSlotOffset(position)), state, index, head);
        if (reply !== undefined) outputCodec.write(view, slot + OUTPUT_HEADER_BYTES, reply);
      } catch (error) {
        const code = (error as { status?: unknown } | null)?.status;
        status = typeof code === 'number' && Number.isInteger(code) && code > 0 ? code : 1;
        region.bytes.fill(0, slot + OUTPUT_HEADER_BYTES, slot + outputSlotBytes);
        counters.rejected++;
        region.store(CONTROL.lastError, DEVICE_ERROR.emulatorBody);
      }
      view.setUint32(slot, position, true);
      view.setUint32(slot + 4, status, true);
    }
    head = (head + burst) >>> 0;
    outputTail = (outputTail + burst) >>> 0;
    counters.processed += burst;
    counters.bursts++;
    region.store(region.outputTailWord, outputTail);
    region.store(region.inputHeadWord, head);
    region.store(CONTROL.processed, counters.processed);
    region.store(CONTROL.rejected, counters.rejected);
    region.store(CONTROL.bursts, counters.bursts);
    region.store(CONTROL.idlePolls, counters.idlePolls);
    writeClock();
    region.bump(CONTROL.deviceDoorbell);
  }
  region.store(CONTROL.idlePolls, counters.idlePolls);
  writeClock();
  region.store(CONTROL.deviceState, DEVICE_STATE.terminated);
  region.bump(CONTROL.deviceDoorbell);
}
