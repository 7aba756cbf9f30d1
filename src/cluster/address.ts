import { InvalidArgumentError, describeValue } from '../errors.js';

/** `kernel@node`, or `kernel@*` for any node that serves the kernel. */
export interface RemoteAddress {
  readonly kernel: string;
  /** A node name, or `*` for any node serving the kernel (its queue group). */
  readonly node: string;
}

/** Names become NATS subject tokens and stream names: letters, digits, `_` and `-` only. */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Throws `InvalidArgumentError` unless `name` is usable as a cluster, node or kernel name. */
export function checkName(name: unknown, what: string): string {
  if (typeof name === 'string' && NAME.test(name)) return name;
  throw new InvalidArgumentError(
    `a ${what} name must be 1-64 letters, digits, '_' or '-' (it becomes a NATS subject token); got ${describeValue(name)}`,
  );
}

/** Splits `kernel@node`; throws `InvalidArgumentError` for anything else. */
export function parseAddress(address: string): RemoteAddress {
  const at = address.lastIndexOf('@');
  const kernel = address.slice(0, at);
  const node = address.slice(at + 1);
  if (at <= 0 || !NAME.test(kernel) || !(node === '*' || NAME.test(node))) {
    throw new InvalidArgumentError(
      `a remote address is 'kernel@node' or 'kernel@*' (names of letters, digits, '_' or '-'); got ${describeValue(address)}`,
    );
  }
  return { kernel, node };
}

/** The NATS names one cluster uses; every name is derived here, nowhere else. */
export class ClusterSubjects {
  constructor(readonly cluster: string) {}

  /** Direct messages for `kernel` on any node that serves it (one queue group). */
  anyNode(kernel: string): string {
    return `rk.${this.cluster}.${kernel}.in`;
  }

  /** Direct messages for `kernel` on `node` only. */
  onNode(kernel: string, node: string): string {
    return `rk.${this.cluster}.${kernel}.in.${node}`;
  }

  /** The queue group of the nodes serving `kernel` directly. */
  queueGroup(kernel: string): string {
    return `rk-${kernel}`;
  }

  /** Subject of the durable stream of `kernel`. */
  durable(kernel: string): string {
    return `rk.${this.cluster}.${kernel}.durable`;
  }

  /** Name of the work-queue stream of `kernel`. */
  stream(kernel: string): string {
    return `RK_${this.cluster}_${kernel}`;
  }

  /** Name of the durable pull consumer every node serving `kernel` shares. */
  consumer(kernel: string): string {
    return `rk-${kernel}`;
  }

  /** KV bucket of the membership entries. */
  get membersBucket(): string {
    return `rk_${this.cluster}_members`;
  }
}
