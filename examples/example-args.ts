/**
 * Command-line flags for the examples: `--help` prints the usage and exits 0; an unknown flag or a
 * bad value prints one line (no stack trace) and exits 2, as the `ringkernel` command does.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
type WithHelp<Options extends OptionsConfig> = Options & { help: { type: 'boolean'; short: 'h' } };
/** What parseArgs returns for these flags (strict, no positionals). */
type Values<Options extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: WithHelp<Options>; strict: true; allowPositionals: false }>
>['values'];

/** The flags of one example and its usage text (shown by `--help`). */
export interface ExampleCommand<Options extends OptionsConfig> {
  /** How the example is run, e.g. `npm run example:anomaly --`: names it in error messages. */
  readonly name: string;
  readonly usage: string;
  readonly options: Options;
}

/** Prints `problem` as one line and exits 2 (a usage error). */
export function usageError(name: string, problem: string): never {
  process.stderr.write(`${name}: ${problem} (see --help)\n`);
  process.exit(2);
}

/** Parses `argv` (default: this process's) against the example's flags; see the module comment. */
export function parseExampleArgs<const Options extends OptionsConfig>(
  command: ExampleCommand<Options>,
  argv: readonly string[] = process.argv.slice(2),
): Values<Options> {
  const options: WithHelp<Options> = { ...command.options, help: { type: 'boolean', short: 'h' } };
  let parsed: { values: Values<Options> };
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (error) {
    // parseArgs reports bad flags as TypeErrors with ERR_PARSE_ARGS_* codes.
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw error;
    const firstLine = (error as Error).message
      .split('\n')[0]!
      .replace(/\. To specify .*$/, '')
      .replace(/\.$/, '');
    usageError(command.name, firstLine.charAt(0).toLowerCase() + firstLine.slice(1));
  }
  if ((parsed.values as { help?: boolean }).help === true) {
    process.stdout.write(`${command.usage}\n`);
    process.exit(0);
  }
  return parsed.values;
}

/** The value of `--flag` when it is one of `choices`; a usage error otherwise. */
export function oneOf<const Choice extends string>(
  name: string,
  flag: string,
  value: string,
  choices: readonly Choice[],
): Choice {
  if ((choices as readonly string[]).includes(value)) return value as Choice;
  const listed = `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`;
  return usageError(name, `--${flag} must be ${listed}; got '${value}'`);
}

/** The value of `--flag` as an integer of at least `min`; a usage error otherwise. */
export function integerFlag(name: string, flag: string, value: string, min = 1): number {
  const number = Number(value);
  if (/^\d+$/.test(value) && Number.isSafeInteger(number) && number >= min) return number;
  return usageError(name, `--${flag} must be an integer >= ${min}; got '${value}'`);
}
