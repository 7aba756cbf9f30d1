// `npm run bench [-- names... --quick --json <file> --markdown]`: see src/bench/command-node.ts.
import { runBenchCommand } from '../src/bench/index.js';

process.exitCode = await runBenchCommand(process.argv.slice(2), { command: 'npm run bench --' });
