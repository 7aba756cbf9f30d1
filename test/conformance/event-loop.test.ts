import type { Message } from '../../src/messages/index.js';
import { ringKernel, type KernelFunction } from '../../src/runtime/index.js';
import { defineKernelConformance } from './suite.js';

defineKernelConformance({
  name: 'event loop',
  define: async (name, options) => {
    // The kernel modules are typed for their own messages; the runtime carries any Message.
    const module = (await import(`./kernels/${name}.js`)) as { default: KernelFunction<Message, Message> };
    return ringKernel(options, module.default);
  },
});
