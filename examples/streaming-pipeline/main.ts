/** npm run example:streaming-pipeline [-- --backend webgpu --readings 5000] */
import { parseArgs } from 'node:util';
import { runPipelineExample } from './pipeline.js';

const { values } = parseArgs({
  options: { backend: { type: 'string', default: 'cpu' }, readings: { type: 'string', default: '5000' } },
});
await runPipelineExample(values.backend === 'webgpu' ? 'webgpu' : 'cpu', Number(values.readings), (line) =>
  console.log(line),
);
