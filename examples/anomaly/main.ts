/**
 * Real-time anomaly detection with a device-resident ring kernel (the Python port's benchmark
 * scenario): npm run example:anomaly [-- --backend webgpu --points 1000000 --batch 100,500,1000]
 */
import { getAccelerator, syntheticSignal } from 'ringkernel';
import { integerFlag, oneOf, parseExampleArgs } from '../example-args.js';
import { runAnomalyExample } from './anomaly.js';

const name = 'npm run example:anomaly --';
const values = parseExampleArgs({
  name,
  usage: `Usage: ${name} [--backend cpu|webgpu|auto] [--points N] [--batch N,N,...]

Streams a synthetic signal with 1% injected anomalies through a device-resident detector kernel,
once per micro-batch size, and prints throughput, precision and recall.

  --backend <name>   cpu (default), webgpu, or auto (WebGPU on a hardware GPU, else the CPU)
  --points <N>       points to stream (default 1000000; 100000 on a software GPU)
  --batch <list>     micro-batch sizes, comma-separated (default 100,500,1000)
  --help, -h         this text`,
  options: {
    backend: { type: 'string', default: 'cpu' },
    points: { type: 'string' },
    batch: { type: 'string', default: '100,500,1000' },
  },
});
const choice = oneOf(name, 'backend', values.backend, ['cpu', 'webgpu', 'auto']);
const backend =
  choice === 'auto'
    ? (await getAccelerator({ backend: 'auto' })).backend === 'webgpu'
      ? 'webgpu'
      : 'cpu'
    : choice;
const batchSizes = values.batch.split(',').map((size) => integerFlag(name, 'batch', size));
await runAnomalyExample({
  backend,
  batchSizes,
  ...(values.points === undefined ? {} : { points: integerFlag(name, 'points', values.points) }),
  log: (line) => console.log(line),
  makeSignal: syntheticSignal,
});
