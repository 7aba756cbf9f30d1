export { connectCluster, type ClusterOptions } from './connect-node.js';
export { ClusterLink, type ClusterEventMap, type ClusterStatus, type StreamSummary } from './cluster-link.js';
export { parseAddress, checkName, ClusterSubjects, type RemoteAddress } from './address.js';
export type { ClusterMember, MembershipEvent } from './membership.js';
export type { DeliveryMode, ServeOptions } from './serve-options.js';
export type { DurableServerStats } from './durable-server.js';
export {
  ClusterLinkError,
  NodeUnavailableError,
  RemoteKernelError,
  RemoteKernelNotFoundError,
} from './errors.js';
export {
  startNatsServer,
  findNatsServer,
  type NatsServerProcess,
  type NatsServerOptions,
} from './nats-server-node.js';
