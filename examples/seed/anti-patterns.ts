/**
 * The "good" versions of the guide's anti-patterns:
 * - do not block the event loop: wait with an asynchronous sleep that termination can cut short;
 * - do not share state: keep it private to the kernel function, so every launch has its own;
 * - do not ignore errors: report them (`ctx.reportError` counts them and emits `kernelError`) and go on.
 */
import {
  TimeoutError,
  defineMessage,
  field,
  type MessageOf,
  ringKernel,
  type KernelDefinition,
} from 'ringkernel';

export const Job = defineMessage('Job', {
  value: field.f64({ default: 0 }),
});
export type Job = MessageOf<typeof Job>;

export const JobDone = defineMessage('JobDone', {
  value: field.f64({ default: 0 }),
  /** How many jobs this kernel instance has handled, this one included. */
  handled: field.u32({ default: 0 }),
});
export type JobDone = MessageOf<typeof JobDone>;

/**
 * Resolves after `ms`, or rejects with `signal.reason` as soon as `signal` aborts: the event loop
 * stays free meanwhile, and a terminating kernel does not sit out its sleep.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** GOOD: waits `delayMs` per job with a non-blocking sleep; other kernels keep running meanwhile. */
export function patientWorker(delayMs: number): KernelDefinition<Job, JobDone> {
  return ringKernel<Job, JobDone>({ kernelId: 'patient_worker' }, async (ctx) => {
    let handled = 0;
    while (!ctx.shouldTerminate) {
      try {
        const job = await ctx.receive({ timeout: 100 });
        await sleep(delayMs, ctx.signal);
        handled += 1;
        await ctx.send(JobDone.reply(job, { value: job.value, handled }));
      } catch (error) {
        if (error instanceof TimeoutError) continue;
        throw error;
      }
    }
  });
}

/** GOOD: the count is private to each launch of the kernel; two instances never race on it. */
export const privateCounter = ringKernel<Job, JobDone>({ kernelId: 'worker' }, async (ctx) => {
  let count = 0; // Private to this actor.
  for await (const job of ctx) {
    count += 1;
    await ctx.send(JobDone.reply(job, { value: job.value, handled: count }));
  }
});

/**
 * GOOD: a job that fails is reported (counted in telemetry, emitted as a `kernelError` event) and
 * answered; the kernel keeps serving. Negative values stand in for a failing job.
 */
export const accountableWorker = ringKernel<Job, JobDone>({ kernelId: 'accountable_worker' }, async (ctx) => {
  let handled = 0;
  for await (const job of ctx) {
    handled += 1;
    try {
      if (job.value < 0) throw new RangeError(`cannot process negative value ${job.value}`);
      await ctx.send(JobDone.reply(job, { value: Math.sqrt(job.value), handled }));
    } catch (error) {
      ctx.reportError(error);
      await ctx.send(JobDone.reply(job, { value: Number.NaN, handled }));
    }
  }
});
