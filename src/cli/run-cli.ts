import { createRequire } from 'node:module';
import { runBenchCommand } from '../bench/command-node.js';
import { RingKernelError } from '../errors.js';
import { InsecureBindingError } from '../telemetry/exporters/errors.js';
import { processIO, type CliIO } from './cli-io.js';
import { clusterCommand, clusterUsage } from './cluster-command.js';
import { dashboardCommand, dashboardUsage } from './dashboard-command.js';
import { demoCommand, demoUsage } from './demo-command.js';
import { devicesCommand, devicesUsage } from './devices-command.js';
import { CliUsageError } from './errors.js';

export const usage = `Usage: ringkernel <command> [options]

GPU-native actors for TypeScript: persistent ring kernels with priority mailboxes.

Commands:
  demo [--backend cpu|webgpu|auto] [--runtime-only] [--readings N] [--json]
       [--dashboard [port]] [--host address] [--token secret]
                              the flagship GPU ring kernels, then a short runtime demo with telemetry
  bench [names...] [--quick] [--json file] [--markdown]
                              run the benchmark suites (the same as npm run bench)
  devices [--json]            list the compute devices and whether they are usable
  dashboard [--program module] [--port N] [--host address] [--token secret]
            [--backend cpu|webgpu|auto]
                              serve the live dashboard for the demo's runtime or your program's
  cluster [status|members|streams] [--servers URL] [--cluster NAME] [--json]
                              a cluster of runtimes over NATS: members, durable streams

Options:
  --help, -h                  this text (or 'ringkernel <command> --help')
  --version                   the package version
  --verbose                   show stack traces of errors

Exit codes: 0 success, 1 failure, 2 usage error.`;

const commandUsages: Readonly<Record<string, string>> = {
  demo: demoUsage,
  devices: devicesUsage,
  dashboard: dashboardUsage,
  cluster: clusterUsage,
};

function packageVersion(): string {
  // The same relative path from src/cli and dist/cli.
  const manifest = createRequire(import.meta.url)('../../package.json') as { version: string };
  return manifest.version;
}

/** parseArgs reports bad flags as TypeErrors with these codes. */
function isParseArgsError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** Drops the lines of a stack trace from text another command wrote (bench prints them). */
function withoutStackLines(stream: CliIO['stderr']): CliIO['stderr'] {
  return {
    isTTY: stream.isTTY,
    columns: stream.columns,
    write: (text: string) => stream.write(text.replace(/^ {4}at .*\n?/gm, '')),
  } as CliIO['stderr'];
}

/**
 * Runs the `ringkernel` command line and resolves with its exit code: 0 on success, 1 when the
 * command failed, 2 for a usage error (unknown command or flag, bad value). Errors are printed as
 * one line without a stack trace unless `--verbose` is given.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2));
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const verbose = argv.includes('--verbose');
  const args = argv.filter((argument) => argument !== '--verbose');
  const [command, ...rest] = args;
  const fail = (error: unknown): number => {
    if (error instanceof CliUsageError || isParseArgsError(error)) {
      io.stderr.write(`ringkernel: ${error.message}\n`);
      const text =
        error instanceof CliUsageError && error.command !== undefined
          ? commandUsages[error.command]
          : undefined;
      const shown = text ?? (command !== undefined ? commandUsages[command] : undefined) ?? usage;
      io.stderr.write(`\n${shown}\n`);
      return 2;
    }
    if (error instanceof InsecureBindingError) {
      io.stderr.write(`ringkernel: ${error.message}\n`);
      return 2;
    }
    if (verbose && error instanceof Error) io.stderr.write(`ringkernel: ${error.stack ?? error.message}\n`);
    else if (error instanceof RingKernelError)
      io.stderr.write(`ringkernel: ${error.message} [${error.code}]\n`);
    else io.stderr.write(`ringkernel: ${error instanceof Error ? error.message : String(error)}\n`);
    if (!verbose) io.stderr.write('(run with --verbose for the stack trace)\n');
    return 1;
  };
  try {
    switch (command) {
      case undefined:
        io.stderr.write(`${usage}\n`);
        return 2;
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(`${usage}\n`);
        return 0;
      case '--version':
        io.stdout.write(`${packageVersion()}\n`);
        return 0;
      case 'demo':
        return await demoCommand(rest, io);
      case 'devices':
        return await devicesCommand(rest, io);
      case 'dashboard':
        return await dashboardCommand(rest, io);
      case 'cluster':
        return await clusterCommand(rest, io);
      case 'bench':
        return await runBenchCommand(rest, {
          command: 'ringkernel bench',
          stdout: io.stdout,
          stderr: verbose ? io.stderr : withoutStackLines(io.stderr),
        });
      default:
        throw new CliUsageError(
          command.startsWith('-') ? `unknown option '${command}'` : `unknown command '${command}'`,
        );
    }
  } catch (error) {
    return fail(error);
  }
}
