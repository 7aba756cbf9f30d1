export { CpuBackend, cpuBackend } from './cpu-backend.js';
