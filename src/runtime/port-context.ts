import { InvalidArgumentError, describeValue } from '../errors.js';
import { definitionOf } from '../messages/wire.js';
import { NotAMessageError } from './errors.js';
import type { Message } from '../messages/types.js';
import { checkPriority } from '../queues/backpressure.js';
import type { WaitOptions } from '../queues/wait-options.js';
import type { HandlerContext } from './kernel-context.js';
import type { KernelPort } from './kernel-port.js';
import { isStopping, type KernelState } from './kernel-state.js';

function unsupported(operation: string): Error {
  return new InvalidArgumentError(`ctx.${operation} is not available to this kind of kernel`);
}

/**
 * {@link HandlerContext} over a {@link KernelPort}: the sending half every kernel context shares
 * (handler kernels use it as is; loop kernels extend it with receiving).
 */
export class PortContext<In extends Message, Out extends Message> implements HandlerContext<Out> {
  protected readonly port: KernelPort<In, Out>;

  constructor(port: KernelPort<In, Out>) {
    this.port = port;
  }

  get kernelId(): string {
    return this.port.kernelId;
  }

  get state(): KernelState {
    return this.port.state;
  }

  get shouldTerminate(): boolean {
    return isStopping(this.port.state);
  }

  get isActive(): boolean {
    return this.port.state === 'active';
  }

  get signal(): AbortSignal {
    return this.port.signal;
  }

  send(message: Out, options?: WaitOptions): Promise<void> {
    if (definitionOf(message) === undefined)
      return Promise.reject(new NotAMessageError(this.port.kernelId, message, describeValue, 'from'));
    if ((message.priority & 255) !== message.priority) {
      try {
        checkPriority(message.priority);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.port.emit(message, options);
  }

  post(message: Out): boolean {
    if (definitionOf(message) === undefined)
      throw new NotAMessageError(this.port.kernelId, message, describeValue, 'from');
    if ((message.priority & 255) !== message.priority) checkPriority(message.priority);
    return this.port.post(message);
  }

  reportError(error: unknown): void {
    this.port.reportError(error);
  }

  sendTo(kernelId: string, message: Message, options?: WaitOptions): Promise<void> {
    const port = this.port;
    if (port.sendTo === undefined) return Promise.reject(unsupported('sendTo'));
    return port.sendTo(kernelId, message, options);
  }

  postTo(kernelId: string, message: Message): boolean {
    const port = this.port;
    if (port.postTo === undefined) throw unsupported('postTo');
    return port.postTo(kernelId, message);
  }

  request<Reply extends Message = Message>(
    kernelId: string,
    message: Message,
    options?: WaitOptions,
  ): Promise<Reply> {
    const port = this.port;
    if (port.request === undefined) return Promise.reject(unsupported('request'));
    return port.request(kernelId, message, options) as Promise<Reply>;
  }

  publish(topic: string, message: Message, options?: { retain?: boolean }): Promise<number> {
    const port = this.port;
    if (port.publish === undefined) return Promise.reject(unsupported('publish'));
    return port.publish(topic, message, options);
  }

  subscribe(pattern: string): () => void {
    const port = this.port;
    if (port.subscribe === undefined) throw unsupported('subscribe');
    return port.subscribe(pattern);
  }
}
