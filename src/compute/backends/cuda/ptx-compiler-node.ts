import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where `nvcc` is: `$CUDA_HOME/bin`, `/usr/local/cuda/bin`, or the PATH; undefined when absent. */
export function findNvcc(): string | undefined {
  const candidates = [
    process.env['NVCC'],
    process.env['CUDA_HOME'] === undefined ? undefined : join(process.env['CUDA_HOME'], 'bin', 'nvcc'),
    '/usr/local/cuda/bin/nvcc',
  ];
  for (const candidate of candidates) if (candidate !== undefined && existsSync(candidate)) return candidate;
  try {
    execFileSync('nvcc', ['--version'], { stdio: 'ignore' });
    return 'nvcc';
  } catch {
    return undefined;
  }
}

/** A CUDA C source that nvcc refused, with its diagnostics. */
export class PtxCompileError extends Error {
  readonly code = 'CUDA_COMPILE_FAILED';
  readonly diagnostics: string;
  constructor(arch: string, diagnostics: string) {
    super(`nvcc -ptx -arch=${arch} failed:\n${diagnostics}`);
    this.name = 'PtxCompileError';
    this.diagnostics = diagnostics;
  }
}

/**
 * Compiles CUDA C to PTX with `nvcc -ptx` for `arch` (`sm_90`, `compute_75`, ...).
 * @throws PtxCompileError with nvcc's diagnostics; Error when nvcc is missing.
 */
export function compilePtx(source: string, arch: string, nvcc = findNvcc()): string {
  if (nvcc === undefined)
    throw new Error('nvcc is not installed: install the CUDA toolkit, or pass prebuilt PTX as { ptx }');
  const directory = mkdtempSync(join(tmpdir(), 'ringkernel-ptx-'));
  try {
    const input = join(directory, 'kernel.cu');
    const output = join(directory, 'kernel.ptx');
    writeFileSync(input, source);
    try {
      execFileSync(nvcc, ['-ptx', `-arch=${arch}`, '-std=c++17', '-o', output, input], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const failed = error as { stderr?: Buffer; stdout?: Buffer; message: string };
      throw new PtxCompileError(
        arch,
        `${failed.stderr?.toString() ?? ''}${failed.stdout?.toString() ?? ''}` || failed.message,
      );
    }
    return readFileSync(output, 'utf8');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** {@link compilePtx} without blocking the event loop (several compile in parallel). */
export async function compilePtxAsync(source: string, arch: string, nvcc = findNvcc()): Promise<string> {
  if (nvcc === undefined)
    throw new Error('nvcc is not installed: install the CUDA toolkit, or pass prebuilt PTX as { ptx }');
  const directory = await mkdtemp(join(tmpdir(), 'ringkernel-ptx-'));
  try {
    const input = join(directory, 'kernel.cu');
    const output = join(directory, 'kernel.ptx');
    await writeFile(input, source);
    await new Promise<void>((resolve, reject) => {
      execFile(
        nvcc,
        ['-ptx', `-arch=${arch}`, '-std=c++17', '-o', output, input],
        (error, stdout, stderr) => {
          if (error === null) resolve();
          else reject(new PtxCompileError(arch, `${stderr}${stdout}` || error.message));
        },
      );
    });
    return await readFile(output, 'utf8');
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
