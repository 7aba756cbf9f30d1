import { InvalidArgumentError, describeValue } from '../errors.js';

/**
 * When a supervised kernel is restarted:
 * - `permanent`: always (after a crash, and after its function returns on its own);
 * - `transient`: after a crash only, not after a normal return;
 * - `temporary`: never (the default for kernels without supervision: a crash leaves it `failed`).
 */
export type RestartPolicy = 'permanent' | 'transient' | 'temporary';

/** Delay before each restart. */
export interface BackoffOptions {
  /** `fixed`: always `initialMs`; `exponential`: `initialMs × factor^(attempt−1)`, capped at `maxMs`. Default `exponential`. */
  readonly type?: 'fixed' | 'exponential' | undefined;
  /** Default 10 ms. */
  readonly initialMs?: number | undefined;
  /** Default 1000 ms. */
  readonly maxMs?: number | undefined;
  /** Default 2. */
  readonly factor?: number | undefined;
  /** Random spread as a fraction of the delay (0.1 = ±10 %). Default 0.1. */
  readonly jitter?: number | undefined;
}

/** A kernel's supervision settings (kernel option `supervision`). */
export interface SupervisionOptions {
  /** Default `transient` when `supervision` is given. */
  readonly restart?: RestartPolicy | undefined;
  /** Restart intensity: at most `maxRestarts` within `withinMs`, else `failed` and escalate. Default 3. */
  readonly maxRestarts?: number | undefined;
  /** Default 5000 ms. */
  readonly withinMs?: number | undefined;
  readonly backoff?: BackoffOptions | undefined;
}

/** How a supervisor group reacts when one member crashes. */
export type SupervisorStrategy = 'oneForOne' | 'oneForAll' | 'restForOne';

/** Settings of `runtime.supervise(...)`. */
export interface SupervisorGroupOptions {
  /** Names the group in events. */
  readonly name: string;
  readonly strategy: SupervisorStrategy;
  /** Member kernel ids, in order (`restForOne` restarts the crashed one and those after it). */
  readonly kernels: readonly string[];
  /** Group-wide restart intensity. Defaults 3 within 5000 ms. */
  readonly maxRestarts?: number | undefined;
  readonly withinMs?: number | undefined;
  readonly backoff?: BackoffOptions | undefined;
}

/** Decides whether a kernel's ending calls for a restart under `policy`. */
export function wantsRestart(policy: RestartPolicy, crashed: boolean): boolean {
  return policy === 'permanent' || (policy === 'transient' && crashed);
}

/** The delay before restart number `attempt` (1-based). */
export function backoffDelay(
  options: BackoffOptions | undefined,
  attempt: number,
  random = Math.random,
): number {
  const { type = 'exponential', initialMs = 10, maxMs = 1000, factor = 2, jitter = 0.1 } = options ?? {};
  const base = type === 'fixed' ? initialMs : Math.min(maxMs, initialMs * factor ** Math.max(0, attempt - 1));
  const spread = base * jitter * (random() * 2 - 1);
  return Math.max(0, base + spread);
}

/** Counts restarts in a sliding time window: the restart intensity limit. */
export class RestartIntensity {
  readonly #max: number;
  readonly #withinMs: number;
  readonly #times: number[] = [];

  constructor(maxRestarts = 3, withinMs = 5000) {
    this.#max = maxRestarts;
    this.#withinMs = withinMs;
  }

  /** Records a restart at `now`; returns false when that exceeds the limit. */
  allow(now: number): boolean {
    while (this.#times.length !== 0 && now - this.#times[0]! > this.#withinMs) this.#times.shift();
    if (this.#times.length >= this.#max) return false;
    this.#times.push(now);
    return true;
  }

  /** Restarts counted in the current window. */
  get recent(): number {
    return this.#times.length;
  }
}

const policies: readonly RestartPolicy[] = ['permanent', 'transient', 'temporary'];
const strategies: readonly SupervisorStrategy[] = ['oneForOne', 'oneForAll', 'restForOne'];

/** Validates supervision options, quoting any bad value. */
export function checkSupervision(options: SupervisionOptions): SupervisionOptions {
  if (options.restart !== undefined && !policies.includes(options.restart)) {
    throw new InvalidArgumentError(
      `supervision.restart must be 'permanent', 'transient' or 'temporary'; got ${describeValue(options.restart)}`,
    );
  }
  checkIntensity(options.maxRestarts, options.withinMs, 'supervision');
  checkBackoff(options.backoff);
  return options;
}

export function checkGroup(options: SupervisorGroupOptions): SupervisorGroupOptions {
  if (typeof options.name !== 'string' || options.name.length === 0) {
    throw new InvalidArgumentError(`a supervisor group needs a name; got ${describeValue(options.name)}`);
  }
  if (!strategies.includes(options.strategy)) {
    throw new InvalidArgumentError(
      `strategy must be 'oneForOne', 'oneForAll' or 'restForOne'; got ${describeValue(options.strategy)}`,
    );
  }
  if (!Array.isArray(options.kernels) || options.kernels.length === 0) {
    throw new InvalidArgumentError(`a supervisor group needs at least one kernel id in kernels`);
  }
  checkIntensity(options.maxRestarts, options.withinMs, `group '${options.name}'`);
  checkBackoff(options.backoff);
  return options;
}

function checkIntensity(maxRestarts: unknown, withinMs: unknown, what: string): void {
  if (maxRestarts !== undefined && !(Number.isInteger(maxRestarts) && (maxRestarts as number) >= 0)) {
    throw new InvalidArgumentError(
      `${what}.maxRestarts must be an integer >= 0; got ${describeValue(maxRestarts)}`,
    );
  }
  if (withinMs !== undefined && !(typeof withinMs === 'number' && withinMs > 0)) {
    throw new InvalidArgumentError(
      `${what}.withinMs must be a number of ms > 0; got ${describeValue(withinMs)}`,
    );
  }
}

function checkBackoff(backoff: BackoffOptions | undefined): void {
  if (backoff === undefined) return;
  if (backoff.type !== undefined && backoff.type !== 'fixed' && backoff.type !== 'exponential') {
    throw new InvalidArgumentError(
      `backoff.type must be 'fixed' or 'exponential'; got ${describeValue(backoff.type)}`,
    );
  }
  for (const key of ['initialMs', 'maxMs', 'factor', 'jitter'] as const) {
    const value = backoff[key];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
      throw new InvalidArgumentError(
        `backoff.${key} must be a finite number >= 0; got ${describeValue(value)}`,
      );
    }
  }
}
