#!/usr/bin/env node
// The `ringkernel` executable (package.json "bin" → dist/cli/main.js).
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2));
