import { RingKernelError } from '../errors.js';

/** The address names a node that serves no kernel of that name (or no node serves it at all). */
export class RemoteKernelNotFoundError extends RingKernelError {
  readonly address: string;

  constructor(address: string, detail: string) {
    super(
      'REMOTE_KERNEL_NOT_FOUND',
      `no remote kernel at '${address}': ${detail}; serve it there with link.serve(kernelId) ` +
        'or check the name with `ringkernel cluster members`',
    );
    this.address = address;
  }
}

/** The node of the address is not (or no longer) a member of the cluster: never joined, left or died. */
export class NodeUnavailableError extends RingKernelError {
  readonly node: string;

  constructor(node: string, detail: string) {
    super(
      'NODE_UNAVAILABLE',
      `cluster node '${node}' is not available (${detail}); address another node, or 'kernel@*' ` +
        'to reach any node that serves it',
    );
    this.node = node;
  }
}

/** The remote runtime received the message but its kernel refused or failed it; `remoteCode` is its error code. */
export class RemoteKernelError extends RingKernelError {
  readonly address: string;
  readonly remoteCode: string;

  constructor(address: string, remoteCode: string, remoteMessage: string) {
    super(
      'REMOTE_KERNEL_ERROR',
      `remote kernel '${address}' failed the message (${remoteCode}): ${remoteMessage}`,
    );
    this.address = address;
    this.remoteCode = remoteCode;
  }
}

/** The link is closed or cannot reach the NATS server. */
export class ClusterLinkError extends RingKernelError {
  constructor(message: string, options?: ErrorOptions) {
    super('CLUSTER_LINK', message, options);
  }
}
