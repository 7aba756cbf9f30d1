import type { BenchSuite } from '../types.js';
import { baselineSuite } from './baseline.js';
import { clusterSuite } from './cluster.js';
import { browserSuite } from './browser.js';
import { computeSuite } from './compute.js';
import { coordinationSuite } from './coordination.js';
import { cudaSuite } from './cuda.js';
import { gpuKernelsSuite } from './gpu-kernels.js';
import { messagesSuite } from './messages.js';
import { peersSuite } from './peers.js';
import { ringSuite } from './ring.js';
import { runtimeSuite } from './runtime.js';
import { telemetrySuite } from './telemetry.js';
import { workerSuite } from './worker.js';

/**
 * Every benchmark suite, in the order `npm run bench` runs and prints them. To add one, write
 * `src/bench/suites/<name>.ts` exporting a `BenchSuite` whose results are named `<name>.…`, and
 * list it here.
 */
export const benchSuites: readonly BenchSuite[] = [
  baselineSuite,
  runtimeSuite,
  peersSuite,
  messagesSuite,
  coordinationSuite,
  ringSuite,
  workerSuite,
  computeSuite,
  gpuKernelsSuite,
  cudaSuite,
  telemetrySuite,
  clusterSuite,
  browserSuite,
];
