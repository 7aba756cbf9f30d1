export { axpy, vectorAdd, vectorScale } from './vector.js';
export { mapKernel, type MapKernelOptions } from './map.js';
export { reduceMax, reduceMin, reduceSum, runReduction, type ReduceOperation } from './reduce.js';
export { spmvCsr } from './spmv.js';
export { matmul } from './matmul.js';
