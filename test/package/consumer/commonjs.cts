// A CommonJS TypeScript file in a NodeNext project: require() of the ESM package.
/* eslint-disable @typescript-eslint/no-require-imports -- the CommonJS form is what this checks */
import ringkernel = require('ringkernel');
import ringkernelNode = require('ringkernel/node');

const runtime: ringkernel.RingKernelRuntime = new ringkernel.RingKernelRuntime();
export = { runtime, worker: ringkernelNode.workerKernel };
