/**
 * In-page runner of the kernel conformance suite (test/conformance/suite.ts): event-loop kernels
 * and Web Worker kernels (loop and handler shapes), in whatever isolation the page was served with.
 * `?kinds=eventLoop,webWorker` picks the kinds. Results land in `window.__results`.
 */
import { trackEventListeners } from '../shims/events.js';
import { runRegisteredTests } from '../shims/node-test.js';
import { defineKernelConformance, type ConformanceKernelName } from '../../conformance/suite.js';
import { conformanceMessages } from '../../conformance/messages.js';
import * as batch from '../../conformance/kernels/batch.js';
import * as blockingReceive from '../../conformance/kernels/blocking-receive.js';
import * as crash from '../../conformance/kernels/crash.js';
import * as echo from '../../conformance/kernels/echo.js';
import * as gate from '../../conformance/kernels/gate.js';
import * as hang from '../../conformance/kernels/hang.js';
import * as recorder from '../../conformance/kernels/recorder.js';
import * as returns from '../../conformance/kernels/returns.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  RingKernelRuntime,
  ringKernel,
  webWorkerKernel,
  type KernelFunction,
  type Message,
} from '../../../src/browser/index.js';
import { Outcome, Work } from '../../conformance/messages.js';
import { publishResults } from './publish.js';

trackEventListeners();

const modules: Record<ConformanceKernelName, { default: unknown }> = {
  batch,
  'blocking-receive': blockingReceive,
  crash,
  echo,
  gate,
  hang,
  recorder,
  returns,
};
const kinds = (new URLSearchParams(location.search).get('kinds') ?? 'eventLoop,webWorker').split(',');
const origin = location.origin;

if (kinds.includes('eventLoop')) {
  defineKernelConformance({
    name: 'event loop (browser)',
    define: (name, options) =>
      Promise.resolve(ringKernel(options, modules[name].default as KernelFunction<Message, Message>)),
  });
}
if (kinds.includes('webWorker')) {
  for (const exportName of ['default', 'handlers']) {
    defineKernelConformance({
      name: `web worker (${crossOriginIsolated ? 'isolated' : 'not isolated'}, ${exportName} export)`,
      define: (name, options) =>
        Promise.resolve(
          webWorkerKernel(new URL(`/out/conformance/kernels/${name}.js`, origin), {
            ...options,
            export: exportName,
            messages: conformanceMessages,
            messagesModule: new URL('/out/conformance/messages.js', origin),
            workerEntry: new URL('/lib/ringkernel-worker.js', origin),
          }),
        ),
    });
  }
}

if (kinds.includes('webWorker')) {
  test('the Web Worker transport shows in telemetry: SharedArrayBuffer rings when isolated, else postMessage and why', async () => {
    await using runtime = new RingKernelRuntime();
    await runtime.launch(
      'echo',
      webWorkerKernel(new URL('/out/conformance/kernels/echo.js', origin), {
        messages: conformanceMessages,
        messagesModule: new URL('/out/conformance/messages.js', origin),
        workerEntry: new URL('/lib/ringkernel-worker.js', origin),
      }),
    );
    await runtime.activate('echo');
    const reply = await runtime.request('echo', Work.create({ seq: 5, text: 'hi' }), { timeout: 10_000 });
    assert.ok(Outcome.is(reply) && reply.seq === 5);
    const transport = runtime.getTelemetry('echo').transport;
    if (crossOriginIsolated) {
      assert.equal(transport?.kind, 'sharedMemory');
    } else {
      assert.equal(transport?.kind, 'postMessage');
      assert.match(transport.detail, /Cross-Origin-Opener-Policy: same-origin/);
      assert.match(transport.detail, /Cross-Origin-Embedder-Policy: require-corp/);
    }
  });
}

publishResults(runRegisteredTests());
