/** npm run example:streaming-pipeline [-- --backend webgpu --readings 5000] */
import { integerFlag, oneOf, parseExampleArgs } from '../example-args.js';
import { runPipelineExample } from './pipeline.js';

const name = 'npm run example:streaming-pipeline --';
const values = parseExampleArgs({
  name,
  usage: `Usage: ${name} [--backend cpu|webgpu] [--readings N]

Pushes sensor readings through three device-resident ring kernels wired with routes
(normalize -> score -> classify), and prints the level counts and the alerts raised for spikes.

  --backend <name>   cpu (default) or webgpu
  --readings <N>     readings to push through (default 5000)
  --help, -h         this text`,
  options: { backend: { type: 'string', default: 'cpu' }, readings: { type: 'string', default: '5000' } },
});
await runPipelineExample(
  oneOf(name, 'backend', values.backend, ['cpu', 'webgpu']),
  integerFlag(name, 'readings', values.readings),
  (line) => console.log(line),
);
