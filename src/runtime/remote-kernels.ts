import type { Message } from '../messages/types.js';
import type { WaitOptions } from '../queues/wait-options.js';

/**
 * Where messages for kernels of other runtimes go. The runtime consults it for an id that names
 * no local kernel and contains `@` (`'echo@node-a'`): `send`, `post`, `request`, `ctx.sendTo`,
 * routes and topic subscriptions all reach it through the same delivery path as local kernels.
 * A cluster link (`ringkernel/cluster`) is one; anything that can carry messages can be.
 *
 * @example
 * ```ts
 * const detach = runtime.attachRemote(link); // 'echo@node-a' now reaches node-a's 'echo'
 * ```
 */
export interface RemoteKernels {
  /** Delivers `message` to the remote kernel `address`; rejects with a typed error when it cannot. */
  send(address: string, message: Message, options?: WaitOptions): Promise<void>;
  /** The synchronous tell: true when taken, false when full (retry or `send`); throws what `send` rejects with. */
  post(address: string, message: Message): boolean;
  /** Sends `message` and resolves with the remote kernel's reply to it. */
  request(address: string, message: Message, options?: WaitOptions): Promise<Message>;
}

/** True when `kernelId` addresses a kernel of another runtime (`name@node`). */
export function isRemoteAddress(kernelId: string): boolean {
  return kernelId.includes('@');
}
