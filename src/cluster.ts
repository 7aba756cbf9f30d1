/**
 * `ringkernel/cluster`: runtimes on several processes and hosts reaching each other's kernels over
 * NATS (JetStream for durable kernels and membership). Node.js only.
 */
export * from './cluster/index.js';
