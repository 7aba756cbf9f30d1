import type { ProgressStream } from '../bench/progress-bar-node.js';

/** Where a command writes, and how a long-running one learns it should stop. */
export interface CliIO {
  readonly stdout: { write(text: string): unknown };
  /** Progress bars (when a terminal), notices and errors. */
  readonly stderr: ProgressStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when a long-running command should stop (default: SIGINT or SIGTERM). */
  readonly untilStopped: () => Promise<void>;
}

/** Resolves on the first SIGINT or SIGTERM, then stops listening (a second Ctrl-C kills as usual). */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** The process's own streams and signals. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, untilStopped: untilSignal };
}
