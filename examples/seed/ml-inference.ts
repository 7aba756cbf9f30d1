/**
 * The guide's heavy-resource actor: the model loads once, at launch (before activation, so the first
 * request does not pay for it), is used for every request, and is released on shutdown.
 */
import {
  TimeoutError,
  defineMessage,
  field,
  type MessageOf,
  ringKernel,
  type KernelDefinition,
} from 'ringkernel';

export const InferenceRequest = defineMessage('InferenceRequest', { data: field.array('f32') });
export type InferenceRequest = MessageOf<typeof InferenceRequest>;

export const InferenceResponse = defineMessage('InferenceResponse', { prediction: field.f64() });
export type InferenceResponse = MessageOf<typeof InferenceResponse>;

/** Whatever model the actor serves. */
export interface Model {
  predict(data: Float32Array): number;
  unload(): void | Promise<void>;
}

export interface InferenceActorOptions {
  readonly kernelId?: string;
  /** Loads the model; called once per launch. */
  readonly loadModel: () => Promise<Model>;
  /** Where progress lines go (the guide prints them). Default: nowhere. */
  readonly log?: (line: string) => void;
}

export function mlInference(
  options: InferenceActorOptions,
): KernelDefinition<InferenceRequest, InferenceResponse> {
  const log = options.log ?? (() => {});
  return ringKernel<InferenceRequest, InferenceResponse>(
    { kernelId: options.kernelId ?? 'ml_inference' },
    async (ctx) => {
      // Load model once at startup.
      log(`[${ctx.kernelId}] Loading model...`);
      const model = await options.loadModel();
      log(`[${ctx.kernelId}] Model loaded!`);
      try {
        while (!ctx.shouldTerminate) {
          if (!ctx.isActive) {
            await ctx.waitActive();
            continue;
          }
          try {
            const request = await ctx.receive({ timeout: 100 });
            // Use the pre-loaded model.
            const prediction = model.predict(request.data);
            await ctx.send(InferenceResponse.reply(request, { prediction }));
          } catch (error) {
            if (error instanceof TimeoutError) continue;
            throw error;
          }
        }
      } finally {
        // Cleanup, even when the loop failed.
        log(`[${ctx.kernelId}] Unloading model...`);
        await model.unload();
      }
    },
  );
}
