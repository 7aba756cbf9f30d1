/**
 * The guide's basic actor template: one-time initialisation, a main loop that handles deactivation,
 * receives with a timeout and never dies of a handled error, then cleanup.
 */
import { TimeoutError, type Message, ringKernel, type KernelDefinition } from 'ringkernel';

/** The parts of an actor that the template leaves to you. */
export interface ActorParts<State, In extends Message, Out extends Message> {
  /** One-time setup (load models, initialise state); runs at launch, before activation. */
  initialize(): State | Promise<State>;
  /** Turns a request into its response. A thrown error is reported and the loop goes on. */
  process(request: In, state: State): Out | Promise<Out>;
  /** Runs once the loop has ended (terminate), with the state to release or save. */
  cleanup(state: State): void | Promise<void>;
}

/**
 * Builds an actor following the template.
 *
 * @example
 * ```ts
 * const greeter = templateActor<string[], Greet, Greeting>('greeter', {
 *   initialize: () => [],
 *   process: (request, seen) => (seen.push(request.name), Greeting.reply(request, { text: `hi ${request.name}` })),
 *   cleanup: (seen) => console.log(`greeted ${seen.length}`),
 * });
 * ```
 */
export function templateActor<State, In extends Message, Out extends Message>(
  kernelId: string,
  parts: ActorParts<State, In, Out>,
): KernelDefinition<In, Out> {
  return ringKernel<In, Out>({ kernelId }, async (ctx) => {
    // === INITIALIZATION ===
    const state = await parts.initialize();

    // === MAIN LOOP ===
    while (!ctx.shouldTerminate) {
      if (!ctx.isActive) {
        await ctx.waitActive();
        continue;
      }
      try {
        const request = await ctx.receive({ timeout: 100 });
        const response = await parts.process(request, state);
        await ctx.send(response);
      } catch (error) {
        if (error instanceof TimeoutError) continue;
        // Log but don't crash: counted in telemetry and emitted as a kernelError event.
        ctx.reportError(error);
      }
    }

    // === CLEANUP ===
    await parts.cleanup(state);
  });
}
