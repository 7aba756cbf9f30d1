import { conformanceMessages } from '../conformance/messages.js';
import { defineKernelConformance } from '../conformance/suite.js';
import { workerKernel } from '../../src/workers/index.js';

defineKernelConformance({
  name: 'worker thread',
  define: (name, options) =>
    Promise.resolve(
      workerKernel(new URL(`../conformance/kernels/${name}.ts`, import.meta.url), {
        ...options,
        messages: conformanceMessages,
        messagesModule: new URL('../conformance/messages.ts', import.meta.url),
      }),
    ),
});

defineKernelConformance({
  name: 'worker thread, handler kernels',
  define: (name, options) =>
    Promise.resolve(
      workerKernel(new URL(`../conformance/kernels/${name}.ts`, import.meta.url), {
        ...options,
        export: 'handlers',
        messages: conformanceMessages,
        messagesModule: new URL('../conformance/messages.ts', import.meta.url),
      }),
    ),
});
