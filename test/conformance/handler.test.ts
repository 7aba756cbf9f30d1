import type { Message } from '../../src/messages/index.js';
import { ringKernel, type MessageHandlers } from '../../src/runtime/index.js';
import { defineKernelConformance } from './suite.js';

defineKernelConformance({
  name: 'event loop, handler kernels',
  define: async (name, options) => {
    // The kernel modules are typed for their own messages; the runtime carries any Message.
    const module = (await import(`./kernels/${name}.js`)) as {
      handlers: MessageHandlers<Message, Message, unknown>;
    };
    return ringKernel(options, module.handlers);
  },
});
