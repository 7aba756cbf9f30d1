import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Inside the repository (git-ignored) so that the build finds node_modules and package.json. */
export const buildRoot = fileURLToPath(new URL('../../test-artifacts/cli-build/', import.meta.url));
export const builtMain = `${buildRoot}dist/cli/main.js`;

/**
 * Compiles src/ with the build settings (`tsconfig.build.json`) into test-artifacts/cli-build/dist,
 * next to a copy of package.json (for "type": "module" and --version), as `npm run build` would.
 * Type errors elsewhere in a tree being edited do not stop tsc from emitting; a missing main does.
 */
export async function buildCli(): Promise<void> {
  await rm(buildRoot, { recursive: true, force: true });
  await mkdir(buildRoot, { recursive: true });
  await copyFile(`${repositoryRoot}package.json`, `${buildRoot}package.json`);
  try {
    await run(
      process.execPath,
      [
        `${repositoryRoot}node_modules/typescript/bin/tsc`,
        '-p',
        `${repositoryRoot}tsconfig.build.json`,
        '--outDir',
        `${buildRoot}dist`,
      ],
      { cwd: repositoryRoot, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? '';
    const mine = output
      .split('\n')
      .filter((line) => /^src\/(cli|dashboard|telemetry\/exporters|runtime\/inspect)/.test(line));
    if (mine.length > 0)
      throw new Error(`the build reports errors in the CLI's files:\n${mine.join('\n')}`, { cause: error });
  }
  await stat(builtMain);
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `ringkernel` with `args` to completion. */
export function runBuilt(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtMain, ...args], {
      cwd: repositoryRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts the built `ringkernel` and resolves once its stdout matched `pattern`. */
export function startBuilt(
  args: readonly string[],
  pattern: RegExp,
): Promise<{ child: ChildProcess; match: RegExpMatchArray; exited: Promise<CliResult> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtMain, ...args], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let matched = false;
    const exited = new Promise<CliResult>((resolveExit) =>
      child.on('close', (code) => {
        resolveExit({ code, stdout, stderr });
        if (!matched)
          reject(new Error(`exited with ${String(code)} before printing ${String(pattern)}:\n${stderr}`));
      }),
    );
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = pattern.exec(stdout);
      if (match !== null && !matched) {
        matched = true;
        resolve({ child, match, exited });
      }
    });
    child.on('error', reject);
  });
}
