// Declarations use `Symbol.asyncDispose`/`AsyncDisposable`: keep the lib reference in the emitted
// index.d.ts so a consumer compiling with `--target es2022` (without esnext libs) type-checks.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * ringkernel: GPU-native actors for TypeScript. This entry is free of Node-only APIs (it runs in
 * browsers too); Node adapters (worker threads, file-backed state, the dashboard server, Dawn) are
 * in `ringkernel/node`.
 */
export * from './errors.js';
export * from './messages/index.js';
export * from './queues/index.js';
export * from './telemetry/index.js';
export * from './telemetry/exporters/index.js';
export * from './runtime/index.js';
export * from './persistence/index.js';
export * from './ring/index.js';
export * from './compute/index.js';
export * from './gpu-kernels/index.js';
