export { CpuBackend, cpuBackend, type CpuHostFacts } from './cpu-backend.js';
