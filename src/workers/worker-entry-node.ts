/*
 * The main module of a worker kernel's Node thread: hands `workerData` to the shared body
 * (`worker-main.ts`) and sends its reports over `parentPort`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerBootData } from './protocol.js';
import { runWorkerKernel } from './worker-main.js';

void runWorkerKernel(workerData as WorkerBootData, (message) => parentPort?.postMessage(message));
