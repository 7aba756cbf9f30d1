// `npm run soak [-- --minutes N | --seconds N] [--out file] [--kernels N] [--workers N] [--seed N]
// [--max-heap-slope-mb N] [--no-groups]`: runs the soak (soak/soak.ts), writes its results as JSON (default
// bench/results/soak.json) and exits 1 when a message is unaccounted for, telemetry disagrees, or
// (runs of a minute or more) the heap grows faster than the limit after warm-up.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { runSoak } from './soak.js';

const usage =
  'usage: npm run soak -- [--minutes N | --seconds N] [--out file] [--kernels N] [--workers N] [--seed N] [--max-heap-slope-mb N] [--no-groups]';

function positive(name: string, raw: string | undefined, fallback: number, integer = false): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!(Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value)))) {
    throw new Error(
      `--${name} must be a ${integer ? 'positive integer' : 'positive number'}; got ${raw}\n${usage}`,
    );
  }
  return value;
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string' },
      seconds: { type: 'string' },
      out: { type: 'string', default: 'bench/results/soak.json' },
      kernels: { type: 'string' },
      workers: { type: 'string' },
      seed: { type: 'string' },
      'max-heap-slope-mb': { type: 'string' },
      'no-groups': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.minutes !== undefined && values.seconds !== undefined)
    throw new Error(`give --minutes or --seconds, not both\n${usage}`);
  const durationMs =
    values.seconds !== undefined
      ? positive('seconds', values.seconds, 0) * 1000
      : positive('minutes', values.minutes, 1) * 60_000;
  const workers = values.workers === '0' ? 0 : positive('workers', values.workers, 2, true);
  const gcAvailable = typeof (globalThis as { gc?: unknown }).gc === 'function';
  console.log(
    `soak: ${durationMs / 1000} s${gcAvailable ? '' : ' (no --expose-gc: heap samples include garbage)'}`,
  );
  const result = await runSoak({
    durationMs,
    kernels: positive('kernels', values.kernels, 32, true),
    workerKernels: workers,
    seed: positive('seed', values.seed, 1, true),
    groups: !values['no-groups'],
    maxHeapSlopeBytesPerMin: positive('max-heap-slope-mb', values['max-heap-slope-mb'], 1) * 2 ** 20,
    log: (line) => console.log(`soak: ${line}`),
  });
  const out = values.out;
  await mkdir(dirname(out), { recursive: true });
  const temporary = `${out}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(result, null, 2)}\n`);
  await rename(temporary, out);
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(3)} MiB/min`;
  console.log(
    `soak: ${result.messages.toLocaleString('en-US')} messages (${result.messagesPerSecond.toLocaleString('en-US')}/s), ` +
      `processed ${result.processed}, dropped ${result.dropped}, rejected ${result.rejected}, ` +
      `dead-lettered ${result.deadLettered}, unprocessed ${result.unprocessed}, interrupted ${result.interrupted}, ` +
      `returned ${result.returned}, lost ${result.lost}; restarts ${result.restarts}, ` +
      `forced terminations ${result.forcedTerminations}`,
  );
  console.log(
    `soak: heap slope ${mib(result.heapSlopeBytesPerMin)}${result.heapSlopeJudged ? '' : ' (not judged: under a minute)'}, ` +
      `rss slope ${mib(result.rssSlopeBytesPerMin)}; written to ${out}`,
  );
  for (const failure of result.failures) console.error(`soak: FAILED: ${failure}`);
  return result.ok ? 0 : 1;
}

let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  code = 2;
}
// Kernels hung on purpose hold nothing that keeps the process alive, but exit explicitly anyway.
process.exit(code);
