/**
 * Node adapter: the CPU backend with the host's processor model, memory and core count read
 * from `node:os` (the browser-safe core cannot ask the OS).
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import type { BackendFactory } from '../../backend.js';
import { cpuBackend } from './cpu-backend.js';

/**
 * `cpuBackend()` whose discovery reports the processor model, installed memory and logical cores.
 *
 * @example
 * ```ts
 * const [cpu] = await listAccelerators({ factories: [nodeCpuBackend()] });
 * console.log(cpu.name, cpu.memoryBytes);
 * ```
 */
export function nodeCpuBackend(): BackendFactory {
  const model = cpus()[0]?.model.trim();
  return cpuBackend({
    ...(model === undefined || model === '' ? {} : { model }),
    memoryBytes: totalmem(),
    logicalCores: availableParallelism(),
  });
}
