/**
 * Real-time anomaly detection with a device-resident ring kernel (the Python port's benchmark
 * scenario): npm run example:anomaly [-- --backend webgpu --points 1000000 --batch 100,500,1000]
 */
import { parseArgs } from 'node:util';
import { getAccelerator } from '../../src/compute/index.js';
import { syntheticSignal } from '../../src/gpu-kernels/index.js';
import { runAnomalyExample } from './anomaly.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'cpu' },
    points: { type: 'string' },
    batch: { type: 'string', default: '100,500,1000' },
  },
});
const backend =
  values.backend === 'auto'
    ? (await getAccelerator({ backend: 'auto' })).backend === 'webgpu'
      ? 'webgpu'
      : 'cpu'
    : values.backend === 'webgpu'
      ? 'webgpu'
      : 'cpu';
const batchSizes = values.batch.split(',').map(Number);
await runAnomalyExample({
  backend,
  batchSizes,
  ...(values.points === undefined ? {} : { points: Number(values.points) }),
  log: (line) => console.log(line),
  makeSignal: syntheticSignal,
});
