import {
  KernelFailedError,
  KernelStateError,
  KernelTerminatedError,
  KernelTerminatingError,
} from './errors.js';
import type { Message } from '../messages/types.js';
import { RESOLVED, type ErrorSource } from '../queues/mailbox.js';
import type { RuntimeEvents } from './events.js';
import type { KernelExecution } from './kernel-port.js';
import { KernelLife, type KernelRecord, type KernelRouter } from './kernel-record.js';
import { allowedFrom, type KernelOperation, type KernelState } from './kernel-state.js';
import type { RequestExpiry } from './request-expiry.js';
import {
  backoffDelay,
  wantsRestart,
  type RestartIntensity,
  type SupervisionOptions,
  type SupervisorGroupOptions,
} from './supervision.js';
import type { TerminationReport } from './termination-report.js';
import type { Watchdog } from './watchdog.js';

const RESOLVED_TRUE = Promise.resolve(true);

/** A supervisor group's settings and its shared restart intensity. */
export interface GroupState {
  readonly options: SupervisorGroupOptions;
  readonly intensity: RestartIntensity;
}

/** What the lifecycle needs from the runtime that owns it. */
export interface LifecycleHost {
  readonly kernels: Map<string, KernelRecord>;
  readonly groups: ReadonlyMap<string, GroupState>;
  readonly events: RuntimeEvents;
  readonly router: KernelRouter;
  readonly watchdog: Watchdog;
  readonly expiry: RequestExpiry | undefined;
  lookup(kernelId: string): KernelRecord;
}

/**
 * Moves kernels through their lives: the state transitions, starting a life of the kernel's code,
 * termination with its report, and what happens when a life ends (supervised restarts, single or
 * by group, failure, or a clean end).
 */
export class Lifecycle {
  readonly #kernels: Map<string, KernelRecord>;
  readonly #groups: ReadonlyMap<string, GroupState>;
  readonly #events: RuntimeEvents;
  readonly #router: KernelRouter;
  readonly #watchdog: Watchdog;
  readonly #expiry: RequestExpiry | undefined;
  readonly #lookup: (kernelId: string) => KernelRecord;

  constructor(host: LifecycleHost) {
    this.#kernels = host.kernels;
    this.#groups = host.groups;
    this.#events = host.events;
    this.#router = host.router;
    this.#watchdog = host.watchdog;
    this.#expiry = host.expiry;
    this.#lookup = (kernelId) => host.lookup(kernelId);
  }

  transition(kernelId: string, operation: KernelOperation, to: KernelState): Promise<void> {
    let record: KernelRecord;
    try {
      record = this.#lookup(kernelId);
    } catch (error) {
      return Promise.reject(error);
    }
    const allowed = allowedFrom[operation] as readonly KernelState[];
    if (!allowed.includes(record.state)) {
      return Promise.reject(new KernelStateError(kernelId, operation, record.state, allowed));
    }
    record.setState(to);
    return RESOLVED;
  }

  /**
   * Starts a new life of the kernel's code on its (kept) queues. Returns `undefined` when the start
   * completed synchronously (no promise on the launch path), else a promise of its completion.
   */
  startLife(record: KernelRecord): Promise<void> | undefined {
    record.life?.release(); // the previous life's own subscriptions end with it
    const life = new KernelLife(record);
    record.life = life;
    let started: KernelExecution | Promise<KernelExecution>;
    try {
      started = record.definition.start(life);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!(started instanceof Promise)) {
      this.#attach(record, life, started);
      return undefined;
    }
    life.starting = started;
    return started.then((execution) => this.#attach(record, life, execution));
  }

  #attach(record: KernelRecord, life: KernelLife, execution: KernelExecution): void {
    life.attach(execution);
    execution.stateChanged?.(record.state);
    if (execution.reportsEnd === true) return;
    execution.finished.then(
      () => this.onLifeEnded(record, life, undefined, false),
      (error: unknown) => this.onLifeEnded(record, life, error, true),
    );
  }

  async terminate(record: KernelRecord, timeout: number): Promise<TerminationReport> {
    const kernelId = record.kernelId;
    // Terminated while still starting (e.g. a worker's handshake): let the start finish, so the
    // execution exists and is stopped like any other instead of running on unseen.
    if (record.life !== undefined && record.life.execution === undefined) {
      await record.life.starting?.catch(() => undefined);
    }
    const previousState = record.state;
    const life = record.life;
    if (previousState !== 'failed' && previousState !== 'terminated') {
      // Errors are made only if someone is refused: an idle kernel terminates without one.
      record.setState('terminating');
      life?.stop();
      record.input.refuseTakers(() => new KernelTerminatingError(kernelId));
      record.input.close(() => new KernelTerminatedError(kernelId));
    }
    let graceful = previousState !== 'failed';
    let interruptedInputs: readonly Message[] = [];
    if (previousState !== 'failed' && previousState !== 'terminated' && life?.execution !== undefined) {
      // Code that already ended (an idle handler kernel stops at once) needs no timer; still yield
      // once, so that a second terminate() in this turn finds the kernel and shares this report.
      graceful =
        life.execution.isFinished === true
          ? await RESOLVED_TRUE
          : await settlesWithin(life.execution.finished, timeout);
      if (!graceful) {
        interruptedInputs = [...(life.execution.inFlight?.() ?? [])];
        await life.execution.forceStop?.();
      }
    }
    if (life !== undefined) life.ended = true;
    this.#kernels.delete(kernelId);
    this.#watchdog.forget(record);
    for (const unsubscribe of record.subscriptions) unsubscribe();
    life?.release();
    const closed =
      record.state === 'failed'
        ? () => new KernelFailedError(kernelId, record.failure)
        : () => new KernelTerminatedError(kernelId);
    this.#rejectPending(record, closed);
    record.input.close(closed);
    const report: TerminationReport = {
      kernelId,
      graceful,
      previousState,
      unprocessedInputs: [...(life?.execution?.leftoverInputs?.() ?? []), ...record.input.drain()],
      interruptedInputs,
      undeliveredOutputs: record.drainOutput(),
      ...(record.failure !== undefined ? { error: record.failure } : {}),
    };
    record.closeOutput(closed);
    if (record.state !== 'failed') record.setState('terminated');
    this.#events.emit('terminated', report);
    return report;
  }

  /** A life of the kernel's code ended: on its own, by terminate, by a restart, or by throwing. */
  onLifeEnded(record: KernelRecord, life: KernelLife, error: unknown, threw: boolean): void {
    if (record.life !== life) return; // replaced by a restart already
    if (record.termination !== undefined) {
      if (threw && !life.ended) this.#recordCrash(record, life, error);
      return; // terminate() takes it from here
    }
    // Stopped for a group restart (which starts the next life); a crash while stopping still counts.
    if (life.stopping) return threw ? this.#recordCrash(record, life, error) : undefined;
    if (threw) this.#recordCrash(record, life, error);
    const supervision = record.options.supervision;
    const policy =
      supervision?.restart ??
      (supervision !== undefined || record.groups.length !== 0 ? 'transient' : 'temporary');
    if (wantsRestart(policy, threw)) {
      this.#supervise(record, error);
    } else if (threw) {
      this.#fail(record, error);
    } else {
      this.#ended(record);
    }
  }

  /** Counts a crash and moves what the code was processing to the dead-letter queue. */
  #recordCrash(record: KernelRecord, life: KernelLife, error: unknown): void {
    record.failure = error;
    record.telemetry.recordError(error);
    for (const message of life.execution?.inFlight?.() ?? []) {
      this.#router.deadLetter(record.kernelId, message, 'crash', error);
    }
    this.#events.emit('kernelError', { kernelId: record.kernelId, error, fatal: true });
  }

  #supervise(record: KernelRecord, error: unknown): void {
    const groupName = record.groups[0];
    const group = groupName === undefined ? undefined : this.#groups.get(groupName);
    const now = performance.now();
    if (!record.intensity.allow(now) || (group !== undefined && !group.intensity.allow(now))) {
      this.#fail(record, error);
      this.#events.emit('escalated', { kernelId: record.kernelId, error, group: groupName });
      return;
    }
    record.failure = undefined;
    let affected = [record];
    if (group !== undefined && group.options.strategy !== 'oneForOne') {
      const members = group.options.kernels;
      const from = group.options.strategy === 'oneForAll' ? 0 : members.indexOf(record.kernelId);
      affected = members
        .slice(from)
        .map((id) => this.#kernels.get(id))
        .filter((member): member is KernelRecord => member !== undefined && member.termination === undefined);
    }
    const backoff = group?.options.backoff ?? record.options.supervision?.backoff;
    this.#restart(record, affected, error, backoff, groupName).catch((startError: unknown) =>
      this.#fail(record, startError),
    );
  }

  async #restart(
    crashed: KernelRecord,
    affected: readonly KernelRecord[],
    error: unknown,
    backoff: SupervisionOptions['backoff'],
    group: string | undefined,
  ): Promise<void> {
    // Claim the members: when two members crash in one turn, the later restart may cover a member
    // the earlier one also restarts; only the latest claim starts its next life (one life each).
    const claim = {};
    for (const member of affected) member.restartClaim = claim;
    // Stop the healthy members first (oneForAll / restForOne), each within its terminate timeout.
    await Promise.all(
      affected
        .filter((member) => member !== crashed && member.life !== undefined && !member.life.stopping)
        .map(async (member) => {
          const life = member.life!;
          life.stop();
          const execution = life.execution;
          if (
            execution !== undefined &&
            !(await settlesWithin(execution.finished, member.terminateTimeout))
          ) {
            // Force-stopped: what it held goes to the dead-letter queue, not into thin air.
            const held = [...(execution.inFlight?.() ?? [])];
            await execution.forceStop?.();
            for (const message of held) this.#router.deadLetter(member.kernelId, message, 'interrupted');
          }
          life.ended = true;
        }),
    );
    for (const member of affected) {
      if (member.restartClaim !== claim) continue; // a later restart took it over
      if (member.termination !== undefined || this.#kernels.get(member.kernelId) !== member) continue;
      const attempt = ++member.restartAttempts;
      const delayMs = backoffDelay(backoff, member.intensity.recent || attempt);
      member.telemetry.restarts++;
      this.#events.emit('kernelRestart', { kernelId: member.kernelId, attempt, delayMs, error, group });
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (member.restartClaim !== claim) continue;
      if (member.termination !== undefined || member.state === 'failed') continue;
      member.restartClaim = undefined;
      if (member.life !== undefined) member.life.ended = true;
      await this.startLife(member);
    }
  }

  #fail(record: KernelRecord, error: unknown): void {
    record.failure = error;
    const failed = new KernelFailedError(record.kernelId, error);
    record.setState('failed');
    record.life?.stop(failed);
    record.input.refuseTakers(failed);
    record.input.close(failed);
    record.closeOutput(failed);
    this.#rejectPending(record, failed);
  }

  #rejectPending(record: KernelRecord, error: ErrorSource): void {
    const pending = record.pending;
    record.pending = undefined;
    if (pending === undefined || pending.size === 0) return;
    const reason = typeof error === 'function' ? error() : error;
    for (const request of pending.values()) {
      if (request.born >= 0) this.#expiry?.settled();
      request.reject(reason);
    }
  }

  /** The function returned on its own: the kernel takes no more input; outputs stay receivable. */
  #ended(record: KernelRecord): void {
    record.setState('terminated');
    const ended = () => new KernelTerminatedError(record.kernelId);
    record.input.refuseTakers(ended);
    record.input.close(ended);
    record.closeOutput(ended);
  }
}

/** True when `promise` settles (either way) within `timeout` ms. */
function settlesWithin(promise: Promise<unknown>, timeout: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeout);
    const settle = () => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(settle, settle);
  });
}
