import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * A system component a test needs (a browser, a server binary) and how a developer gets it.
 * Outside CI a missing component skips the test with a one-line reason that says how to install
 * it; with `CI=true` the test runs anyway, so a missing component fails the build instead of
 * hiding the test.
 */
export interface SystemComponent {
  /** Shown in the reason, e.g. `Chromium`. */
  readonly name: string;
  /** The executable's path, or undefined where it was not found. */
  readonly path: string | undefined;
  /** One sentence: how to get it, e.g. `apt-get install chromium`. */
  readonly install: string;
}

/** A skip reason for `test(..., { skip })`, or false where the test must run. */
export function skipUnlessPresent(
  component: SystemComponent,
  env: NodeJS.ProcessEnv = process.env,
): string | false {
  if (component.path !== undefined || env.CI === 'true') return false;
  return `${component.name} not found: ${component.install} (with CI=true this test fails instead of skipping)`;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first of `names` found as an executable on `PATH`; an absolute `override` (an environment
 * variable the developer set) wins and is returned only if it exists.
 */
export function findExecutable(
  names: readonly string[],
  override: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (override !== undefined && override !== '') return isExecutable(override) ? override : undefined;
  for (const directory of (env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    for (const name of names) {
      const candidate = join(directory, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Chromium for the browser tests: `RINGKERNEL_CHROMIUM=/path/to/chrome`, else found on PATH. */
export function chromiumComponent(env: NodeJS.ProcessEnv = process.env): SystemComponent {
  return {
    name: 'Chromium',
    path: findExecutable(
      ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'],
      env.RINGKERNEL_CHROMIUM,
      env,
    ),
    install: 'install it (apt-get install chromium) or set RINGKERNEL_CHROMIUM=/path/to/chrome',
  };
}
