import { arch, availableParallelism, cpus, platform, totalmem } from 'node:os';
import type { MachineDescription } from './machine.js';

/**
 * Describes the machine this Node process runs on (the `node:os` part of the bench harness).
 *
 * @example
 * ```ts
 * describeMachine(); // { cpuModel: 'AMD EPYC ...', cores: 2, nodeVersion: 'v20.19.0', ... }
 * ```
 */
export function describeMachine(): MachineDescription {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    nodeVersion: process.version,
    platform: platform(),
    arch: arch(),
    totalMemoryBytes: totalmem(),
  };
}
