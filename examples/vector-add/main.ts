import { parseArgs } from 'node:util';
import { runVectorAddExample } from './vector-add.js';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'cpu' } } });
const backend = values.backend === 'webgpu' ? 'webgpu' : 'cpu';
await runVectorAddExample(backend, (line) => console.log(line));
