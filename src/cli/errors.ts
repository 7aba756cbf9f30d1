import { RingKernelError } from '../errors.js';

/** The command line could not be understood: the CLI prints the message and usage, and exits 2. */
export class CliUsageError extends RingKernelError {
  /** The command whose usage to show (undefined: the top-level usage). */
  readonly command: string | undefined;

  constructor(problem: string, command?: string) {
    super(
      'CLI_USAGE',
      `${problem}; run 'ringkernel ${command === undefined ? '' : `${command} `}--help' for usage`,
    );
    this.command = command;
  }
}
