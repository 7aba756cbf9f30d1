import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '../../src/messages/index.js';
import { ringKernel, type KernelFunction } from '../../src/runtime/index.js';
import { conformanceKernelNames, conformanceKernelUrl, defineKernelConformance } from './suite.js';

defineKernelConformance({
  name: 'event loop',
  define: async (name, options) => {
    // The kernel modules are typed for their own messages; the runtime carries any Message.
    const module = (await import(`./kernels/${name}.js`)) as { default: KernelFunction<Message, Message> };
    return ringKernel(options, module.default);
  },
});

test('every conformance kernel module is loadable by URL and default-exports a kernel function', async () => {
  for (const name of conformanceKernelNames) {
    const module = (await import(conformanceKernelUrl(name).href)) as { default: unknown };
    assert.equal(typeof module.default, 'function', name);
  }
});
