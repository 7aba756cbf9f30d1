import { InvalidArgumentError, describeValue } from '../errors.js';
import { defineMessage, type MessageOf } from '../messages/define.js';
import { field } from '../messages/fields.js';
import type { Message } from '../messages/types.js';
import type { BackpressureStrategy } from '../queues/backpressure.js';
import type { WaitOptions } from '../queues/wait-options.js';
import type { KernelTelemetrySnapshot } from '../telemetry/kernel-telemetry.js';
import type { HandlerContext, KernelContext } from './kernel-context.js';
import type { KernelDefinition, KernelOptions } from './kernel-port.js';
import { ringKernel } from './ring-kernel.js';
import { isPromiseLike } from './handler-kernel.js';
import { withCorrelationId } from '../messages/define.js';
import { RESOLVED } from '../queues/mailbox.js';
import { Route, type RouteStrategy } from './routes.js';
import type { SupervisionOptions } from './supervision.js';
import { KernelNotFoundError } from './errors.js';
import type { TerminateOptions, TerminationReport } from './termination-report.js';

/**
 * What a pipeline emits when a stage fails on a message: the guide's StageResult. It carries the
 * stage name and the error, keeps the message's correlationId, and passes through the remaining
 * stages untouched, so it comes out of the pipeline like any result instead of being lost.
 */
export const StageResult = defineMessage('StageResult', {
  stage: field.string(),
  success: field.bool({ default: false }),
  error: field.string(),
  errorCode: field.optional(field.string()),
});
export type StageResult = MessageOf<typeof StageResult>;

/**
 * A stage's work on one message: an output, several, or none (filtered out). A stage runs as a
 * handler kernel: a handler that returns its output synchronously costs no promise.
 */
export type StageHandler<In extends Message = Message, Out extends Message = Message> = (
  input: In,
  ctx: HandlerContext<Out>,
) => Out | readonly Out[] | undefined | Promise<Out | readonly Out[] | undefined>;

/** Options of a pipeline stage. */
export interface StageOptions {
  /** Copies of the stage (fan-out). Default 1. */
  readonly replicas?: number | undefined;
  /** How messages are spread over the replicas. Default `roundRobin`. */
  readonly distribute?: RouteStrategy | undefined;
  /** Partitioning key for `keyHash`. */
  readonly key?: ((message: Message) => string | number) | undefined;
  readonly queueSize?: number | undefined;
  readonly backpressure?: BackpressureStrategy | undefined;
  readonly supervision?: SupervisionOptions | undefined;
}

/** Options of an aggregating stage: flush when `count` messages are held or `timeMs` after the first. */
export interface AggregateOptions extends Omit<StageOptions, 'replicas' | 'distribute' | 'key'> {
  readonly count?: number | undefined;
  readonly timeMs?: number | undefined;
}

interface StagePlan {
  readonly name: string;
  readonly options: StageOptions;
  /** The stage's kernel, given its kernel options and whether it is the pipeline's first stage. */
  readonly kernel: (options: KernelOptions, first: boolean) => KernelDefinition;
}

/** The correlation a message carries through a pipeline: the id of the message that entered it. */
function carriedId(input: Message, first: boolean): string {
  return first ? input.messageId : (input.correlationId ?? input.messageId);
}

/** `output` with `correlationId` set to `carry` (a compiled copy when it differs; messages are frozen). */
function withCorrelation(output: Message, carry: string): Message {
  const copied = withCorrelationId(output, carry);
  if (copied !== undefined) return copied;
  // Not made by a definition (a plain object the handler built): copy what it has.
  return Object.freeze({ ...output, correlationId: carry });
}

function errorResult(stage: string, error: unknown, carry: string, priority: number): StageResult {
  const code = (error as { code?: unknown } | null)?.code;
  return StageResult.create({
    stage,
    error: error instanceof Error ? error.message : String(error),
    ...(typeof code === 'string' ? { errorCode: code } : {}),
    correlationId: carry,
    priority,
  });
}

/** Sends `outputs` in order, each re-correlated to `carry`; settles at once when every send did. */
function sendOutputs(
  ctx: HandlerContext,
  outputs: Message | readonly Message[] | undefined,
  carry: string,
): Promise<void> {
  if (outputs === undefined) return RESOLVED;
  if (!Array.isArray(outputs)) return ctx.send(withCorrelation(outputs as Message, carry));
  const list = outputs as readonly Message[];
  for (let index = 0; index < list.length; index++) {
    const sent = ctx.send(withCorrelation(list[index]!, carry));
    if (sent !== RESOLVED) {
      // A full queue downstream: send the rest after it, in order.
      return list
        .slice(index + 1)
        .reduce((chain, output) => chain.then(() => ctx.send(withCorrelation(output, carry))), sent);
    }
  }
  return RESOLVED;
}

function stageKernel(name: string, handler: StageHandler): StagePlan['kernel'] {
  return (options, first) => {
    const failed = (ctx: HandlerContext, input: Message, carry: string, error: unknown): Promise<void> => {
      ctx.reportError(error);
      return ctx.send(errorResult(name, error, carry, input.priority));
    };
    return ringKernel(options, {
      onMessage(input: Message, ctx: HandlerContext): Promise<void> {
        if (StageResult.is(input)) return ctx.send(input);
        const carry = carriedId(input, first);
        let outputs: ReturnType<StageHandler>;
        try {
          outputs = handler(input, ctx);
        } catch (error) {
          return failed(ctx, input, carry, error);
        }
        if (!isPromiseLike(outputs)) return sendOutputs(ctx, outputs, carry);
        return Promise.resolve(outputs).then(
          (resolved) => sendOutputs(ctx, resolved, carry),
          (error: unknown) => failed(ctx, input, carry, error),
        );
      },
    });
  };
}

function aggregateBody(
  name: string,
  options: AggregateOptions,
  combine: (batch: readonly Message[]) => Message | undefined | Promise<Message | undefined>,
): StagePlan['kernel'] {
  const count = options.count ?? Infinity;
  const timeMs = options.timeMs ?? Infinity;
  return (kernelOptions) =>
    ringKernel(kernelOptions, async (ctx: KernelContext) => {
      let batch: Message[] = [];
      let flushAt = Infinity;
      const flush = async () => {
        const held = batch;
        batch = [];
        flushAt = Infinity;
        if (held.length === 0) return;
        try {
          const output = await combine(held);
          if (output !== undefined) await ctx.send(output);
        } catch (error) {
          ctx.reportError(error);
          await ctx.send(errorResult(name, error, carriedId(held[0]!, false), held[0]!.priority));
        }
      };
      while (!ctx.shouldTerminate) {
        const wait = flushAt === Infinity ? undefined : Math.max(0, flushAt - performance.now());
        const input = await ctx.tryReceive(wait === undefined ? {} : { timeout: wait });
        if (input === undefined) {
          if (performance.now() >= flushAt) await flush();
          continue;
        }
        if (StageResult.is(input)) {
          await ctx.send(input);
          continue;
        }
        if (batch.length === 0 && timeMs !== Infinity) flushAt = performance.now() + timeMs;
        batch.push(input);
        if (batch.length >= count) await flush();
      }
      await flush();
    });
}

/**
 * The part of the runtime a pipeline builds on (a `RingKernelRuntime` is one): pipelines use only
 * the runtime's public surface, and the runtime does not depend on them.
 */
export interface PipelineHost {
  /** Launches a stage's kernel. */
  launch<In extends Message, Out extends Message>(
    kernelId: string,
    definition: KernelDefinition<In, Out>,
  ): Promise<void>;
  /** Activates a launched kernel. */
  activate(kernelId: string): Promise<void>;
  /** Terminates a stage's kernel and reports what it left. */
  terminate(kernelId: string, options?: TerminateOptions): Promise<TerminationReport>;
  /** Puts a message in a kernel's input queue. */
  send(kernelId: string, message: Message, options?: WaitOptions): Promise<void>;
  /** Takes the next message from a kernel's output queue. */
  receive<Output extends Message = Message>(kernelId: string, options?: WaitOptions): Promise<Output>;
  /** Waits for the output of `kernelId` that answers `correlationId`. */
  awaitReply<Reply extends Message = Message>(
    kernelId: string,
    correlationId: string,
    options?: WaitOptions,
  ): Promise<Reply>;
  /** A kernel's telemetry now. */
  getTelemetry(kernelId: string): KernelTelemetrySnapshot;
}

/**
 * Builds a pipeline of kernels connected by routes: linear stages, fan-out over replicas
 * (round-robin, least-loaded, key-hash, broadcast), fan-in (replicas merge into the next stage),
 * and aggregating stages that flush on count or time. Data moves kernel to kernel, never through
 * the caller; correlation is kept end to end; a failing stage yields a {@link StageResult}.
 *
 * @example
 * ```ts
 * const pipeline = await pipelineOf(runtime, 'sensors')
 *   .stage('normalize', (reading) => Normalized.create({ value: clamp(reading.value) }))
 *   .stage('score', (normalized) => Scored.create({ score: normalized.value ** 2 }), { replicas: 2 })
 *   .stage('classify', (scored) => Classified.create({ level: scored.score < 0.3 ? 'low' : 'high' }))
 *   .start();
 * const result = await pipeline.request(Reading.create({ value: 42 }), { timeout: 1000 });
 * ```
 */
export function pipelineOf(runtime: PipelineHost, name: string): PipelineBuilder {
  return new PipelineBuilder(runtime, name);
}

/** Collects the stages of a pipeline (see {@link pipelineOf}); `start()` launches them. */
export class PipelineBuilder {
  readonly #runtime: PipelineHost;
  readonly #name: string;
  readonly #stages: StagePlan[] = [];

  constructor(runtime: PipelineHost, name: string) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidArgumentError(`a pipeline needs a non-empty name; got ${describeValue(name)}`);
    }
    this.#runtime = runtime;
    this.#name = name;
  }

  /** Adds a stage that maps each message to zero, one or several outputs. */
  stage<In extends Message = Message, Out extends Message = Message>(
    name: string,
    handler: StageHandler<In, Out>,
    options: StageOptions = {},
  ): this {
    this.#add(name, options, stageKernel(name, handler as unknown as StageHandler));
    return this;
  }

  /** Adds a fan-in stage that collects messages and emits `combine(batch)` on count or time. */
  aggregate<In extends Message = Message, Out extends Message = Message>(
    name: string,
    options: AggregateOptions,
    combine: (batch: readonly In[]) => Out | undefined | Promise<Out | undefined>,
  ): this {
    if (options.count === undefined && options.timeMs === undefined) {
      throw new InvalidArgumentError(
        `aggregate stage '${name}' needs count and/or timeMs to know when to flush`,
      );
    }
    this.#add(name, options, aggregateBody(name, options, combine as never));
    return this;
  }

  /** Launches, connects and activates every stage. */
  async start(): Promise<Pipeline> {
    if (this.#stages.length === 0) throw new InvalidArgumentError(`pipeline '${this.#name}' has no stages`);
    const plans = [...this.#stages];
    const last = plans[plans.length - 1]!;
    if ((last.options.replicas ?? 1) > 1) {
      // Fan-in before the exit, so the pipeline's outputs come out of one queue.
      plans.push({ name: 'out', options: {}, kernel: stageKernel('out', (message) => message) });
    }
    const runtime = this.#runtime;
    const ids = plans.map((plan) => {
      const replicas = plan.options.replicas ?? 1;
      return replicas === 1
        ? [`${this.#name}.${plan.name}`]
        : Array.from({ length: replicas }, (_, index) => `${this.#name}.${plan.name}.${index}`);
    });
    const launched: string[] = [];
    try {
      for (const [index, plan] of plans.entries()) {
        const first = index === 0;
        const next = plans[index + 1];
        const nextIds = ids[index + 1];
        for (const kernelId of ids[index]!) {
          const routes =
            next === undefined || nextIds === undefined
              ? undefined
              : [
                  {
                    to: nextIds,
                    strategy:
                      nextIds.length === 1
                        ? ('roundRobin' as const)
                        : (next.options.distribute ?? 'roundRobin'),
                    ...(next.options.key === undefined ? {} : { key: keyOrCorrelation(next.options.key) }),
                  },
                ];
          const definition = plan.kernel(
            {
              kernelId,
              queueSize: plan.options.queueSize,
              backpressure: plan.options.backpressure,
              supervision: plan.options.supervision,
              routes,
            },
            first,
          );
          await runtime.launch(kernelId, definition);
          launched.push(kernelId);
        }
      }
      for (const kernelId of launched) await runtime.activate(kernelId);
    } catch (error) {
      await Promise.all(launched.map((kernelId) => runtime.terminate(kernelId).catch(() => undefined)));
      throw error;
    }
    const head = plans[0]!;
    const entry = new Route(
      `${this.#name}.entry`,
      ids[0]!,
      {
        strategy: ids[0]!.length === 1 ? 'roundRobin' : (head.options.distribute ?? 'roundRobin'),
        ...(head.options.key === undefined ? {} : { key: keyOrCorrelation(head.options.key) }),
      },
      (to, message, options) => runtime.send(to, message, options),
      (to) => runtime.getTelemetry(to).inputQueueDepth,
    );
    return new Pipeline(
      runtime,
      this.#name,
      plans.map((plan, index) => ({ name: plan.name, kernelIds: ids[index]! })),
      entry,
    );
  }

  #add(name: string, options: StageOptions, kernel: StagePlan['kernel']): void {
    if (typeof name !== 'string' || !/^[\w-]+$/.test(name)) {
      throw new InvalidArgumentError(
        `stage names are letters, digits, '_' or '-'; got ${describeValue(name)}`,
      );
    }
    if (this.#stages.some((stage) => stage.name === name)) {
      throw new InvalidArgumentError(`pipeline '${this.#name}' has a stage '${name}' already`);
    }
    const replicas = options.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new InvalidArgumentError(`replicas must be an integer >= 1; got ${describeValue(replicas)}`);
    }
    this.#stages.push({ name, options, kernel });
  }
}

/** Error results have no business key: partition them by their correlation instead. */
function keyOrCorrelation(key: (message: Message) => string | number): (message: Message) => string | number {
  return (message) => (StageResult.is(message) ? (message.correlationId ?? message.messageId) : key(message));
}

/**
 * What {@link Pipeline.terminate} resolves with: for each stage, keyed by its name (the keys of
 * {@link Pipeline.telemetry}, in pipeline order), the termination reports of its replicas in the
 * order of the stage's `kernelIds`. A replica that was already removed from the runtime by other
 * means (say `runtime.terminate(id)` directly) has no report and is left out.
 */
export type PipelineTerminationReport = Readonly<Record<string, readonly TerminationReport[]>>;

/** A running pipeline. */
export class Pipeline implements AsyncDisposable {
  readonly name: string;
  /** The stages in order, with the kernel ids of their replicas. */
  readonly stages: readonly { readonly name: string; readonly kernelIds: readonly string[] }[];
  readonly #runtime: PipelineHost;
  readonly #entry: Route;
  readonly #exit: string;
  #termination: Promise<PipelineTerminationReport> | undefined;

  constructor(
    runtime: PipelineHost,
    name: string,
    stages: readonly { readonly name: string; readonly kernelIds: readonly string[] }[],
    entry: Route,
  ) {
    this.#runtime = runtime;
    this.name = name;
    this.stages = stages;
    this.#entry = entry;
    this.#exit = stages[stages.length - 1]!.kernelIds[0]!;
  }

  /** Feeds a message into the first stage (spread over its replicas). */
  send(message: Message, options?: WaitOptions): Promise<void> {
    return this.#entry.forward(message, options, this.name);
  }

  /** The next result out of the last stage (results and StageResult errors alike). */
  receive<Output extends Message = Message>(options?: WaitOptions): Promise<Output> {
    return this.#runtime.receive<Output>(this.#exit, options);
  }

  /** Sends `message` and resolves with the result that carries its correlation. */
  async request<Output extends Message = Message>(message: Message, options?: WaitOptions): Promise<Output> {
    const reply = this.#runtime.awaitReply<Output>(this.#exit, message.messageId, options);
    try {
      await this.send(message, options);
    } catch (error) {
      reply.catch(() => undefined);
      throw error;
    }
    return reply;
  }

  /** Telemetry per stage (one snapshot per replica). */
  telemetry(): Record<string, KernelTelemetrySnapshot[]> {
    const result: Record<string, KernelTelemetrySnapshot[]> = {};
    for (const stage of this.stages)
      result[stage.name] = stage.kernelIds.map((id) => this.#runtime.getTelemetry(id));
    return result;
  }

  /**
   * Terminates every stage, head first, so in-flight messages drain downstream as far as they can,
   * and resolves with every stage's termination reports (see {@link PipelineTerminationReport}):
   * what each replica left queued, was interrupted in or could not deliver. Calling it again
   * returns the same reports. Rejects with the first error other than a kernel already gone,
   * after every stage was asked to terminate.
   *
   * @example
   * ```ts
   * const reports = await pipeline.terminate({ timeout: 1000 });
   * for (const [stage, replicas] of Object.entries(reports))
   *   console.log(stage, replicas.map((report) => report.unprocessedInputs.length));
   * ```
   */
  terminate(options: { timeout?: number } = {}): Promise<PipelineTerminationReport> {
    if (this.#termination === undefined) {
      const termination = this.#terminate(options);
      this.#termination = termination;
      // A failed attempt may be retried.
      termination.catch(() => {
        if (this.#termination === termination) this.#termination = undefined;
      });
    }
    return this.#termination;
  }

  async #terminate(options: { timeout?: number }): Promise<PipelineTerminationReport> {
    const reports: Record<string, readonly TerminationReport[]> = {};
    let failure: { error: unknown } | undefined;
    for (const stage of this.stages) {
      const outcomes = await Promise.all(
        stage.kernelIds.map((id) =>
          this.#runtime.terminate(id, options).catch((error: unknown) => {
            if (!(error instanceof KernelNotFoundError)) failure ??= { error };
            return undefined;
          }),
        ),
      );
      reports[stage.name] = outcomes.filter((report) => report !== undefined);
    }
    if (failure !== undefined) throw failure.error;
    return reports;
  }

  /** Terminates the pipeline: `await using pipeline = await pipelineOf(runtime, ...).stage(...).start()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.terminate();
  }
}
