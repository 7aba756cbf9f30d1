export { DEFAULT_REQUEST_TIMEOUT_MS, RingKernelRuntime, type RuntimeOptions } from './runtime.js';
export { ringKernel, type KernelFunction } from './ring-kernel.js';
export type { KernelContext, HandlerContext } from './kernel-context.js';
export type { MessageHandlers, HandlerKernelContext, HandlerResult } from './handler-kernel.js';
export type {
  KernelDefinition,
  KernelExecution,
  KernelOptions,
  KernelPort,
  MessageDefinitionLike,
} from './kernel-port.js';
export { isStopping, type KernelState } from './kernel-state.js';
export type { TerminateOptions, TerminationReport } from './termination-report.js';
export type { RuntimeEventMap, RuntimeEventName, RuntimeListener } from './events.js';
export {
  KernelAlreadyExistsError,
  KernelFailedError,
  KernelNotFoundError,
  KernelStateError,
  KernelTerminatedError,
  KernelTerminatingError,
  MessageNotAcceptedError,
  NotAMessageError,
  RequestDeadLetteredError,
} from './errors.js';
export { isRemoteAddress, type RemoteKernels } from './remote-kernels.js';
export { LocalKernelContext } from './local-kernel-context.js';
export {
  pipelineOf,
  type PipelineHost,
  PipelineBuilder,
  Pipeline,
  StageResult,
  type PipelineTerminationReport,
  type StageHandler,
  type StageOptions,
  type AggregateOptions,
} from './pipeline.js';
export {
  messageInspectionTypes,
  type InspectionEvent,
  type InspectionEventType,
  type InspectionListener,
  type InspectOptions,
} from './inspect.js';
export { DeadLetterQueue, type DeadLetter, type DeadLetterReason } from './dead-letters.js';
export { Route, type RouteDescription, type RouteOptions, type RouteStrategy } from './routes.js';
export { TopicBroker, Subscription, type SubscriptionOptions, type TopicMessage } from './topics.js';
export { topicMatcher } from './topic-pattern.js';
export type {
  BackoffOptions,
  RestartPolicy,
  SupervisionOptions,
  SupervisorGroupOptions,
  SupervisorStrategy,
} from './supervision.js';
export type { SupervisorGroup } from './runtime.js';
