/** npm run example:vector-add [-- --backend webgpu] */
import { oneOf, parseExampleArgs } from '../example-args.js';
import { runVectorAddExample } from './vector-add.js';

const name = 'npm run example:vector-add --';
const values = parseExampleArgs({
  name,
  usage: `Usage: ${name} [--backend cpu|webgpu]

The Python port's vector-add ring kernel: request/reply pairs, a batched burst, then a vector
kernel on unified buffers.

  --backend <name>   cpu (default) or webgpu
  --help, -h         this text`,
  options: { backend: { type: 'string', default: 'cpu' } },
});
await runVectorAddExample(oneOf(name, 'backend', values.backend, ['cpu', 'webgpu']), (line) =>
  console.log(line),
);
