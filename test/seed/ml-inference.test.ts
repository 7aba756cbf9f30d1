import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingKernelRuntime } from '../../src/runtime/index.js';
import {
  InferenceRequest,
  type InferenceResponse,
  type Model,
  mlInference,
} from '../../examples/seed/ml-inference.js';

/** A stand-in for a large model: loading is counted, prediction sums the input. */
function fakeModelLoader(events: string[]): () => Promise<Model> {
  return async () => {
    events.push('load');
    await new Promise((resolve) => setTimeout(resolve, 1));
    return {
      predict: (data) => data.reduce((sum, value) => sum + value, 0),
      unload: () => {
        events.push('unload');
      },
    };
  };
}

test('the model loads once, at launch, serves every request, and is unloaded on terminate', async () => {
  const events: string[] = [];
  const lines: string[] = [];
  let signalLoaded!: () => void;
  const loaded = new Promise<void>((resolve) => (signalLoaded = resolve));
  const loader = fakeModelLoader(events);
  const actor = mlInference({
    loadModel: async () => {
      const model = await loader();
      signalLoaded();
      return model;
    },
    log: (line) => lines.push(line),
  });
  await using runtime = new RingKernelRuntime();
  await runtime.launch('ml_inference', actor);
  // Phase one does the heavy work: the model is ready before anyone activates the kernel.
  await loaded;
  assert.deepEqual(events, ['load']);
  await runtime.activate('ml_inference');
  for (let index = 0; index < 5; index++) {
    const request = InferenceRequest.create({ data: [index, 1, 2] });
    const response = await runtime.request<InferenceResponse>('ml_inference', request, { timeout: 5000 });
    assert.equal(response.prediction, index + 3);
    assert.equal(response.correlationId, request.messageId);
  }
  assert.deepEqual(events, ['load']);
  const report = await runtime.terminate('ml_inference', { timeout: 5000 });
  assert.equal(report.graceful, true);
  assert.deepEqual(events, ['load', 'unload']);
  assert.deepEqual(lines, [
    '[ml_inference] Loading model...',
    '[ml_inference] Model loaded!',
    '[ml_inference] Unloading model...',
  ]);
});

test('each launch loads its own model once', async () => {
  const events: string[] = [];
  const actor = mlInference({ loadModel: fakeModelLoader(events) });
  await using runtime = new RingKernelRuntime();
  await runtime.launch('a', actor);
  await runtime.launch('b', actor);
  await runtime.activate('a');
  await runtime.activate('b');
  for (const id of ['a', 'b', 'a', 'b']) await runtime.request(id, InferenceRequest.create({ data: [1] }));
  await runtime.terminateAll();
  assert.deepEqual(events, ['load', 'load', 'unload', 'unload']);
});
