export { runCli, usage } from './run-cli.js';
export {
  runDemo,
  startDemo,
  pipelineKernels,
  type DemoOptions,
  type DemoReport,
  type DemoSession,
  type StartDemoOptions,
} from './demo.js';
export { formatTable, type Alignment } from './table.js';
export { CliUsageError } from './errors.js';
export type { CliIO } from './cli-io.js';
