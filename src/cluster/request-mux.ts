import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';

/** Why a request ended without a reply. */
export type RequestFailure = 'timeout' | 'no-responders' | 'closed';

/** Thrown by {@link RequestMux.request}; the link turns it into a typed ringkernel error. */
export class RequestFailed extends Error {
  constructor(readonly failure: RequestFailure) {
    super(failure);
  }
}

interface PendingRequest {
  readonly resolve: (msg: Msg) => void;
  readonly reject: (error: RequestFailed) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * Request/reply over one wildcard inbox subscription: each request publishes with the reply
 * subject `<inbox>.<token>` and waits for that token. It does what `nc.request` does, minus the
 * two `Error` objects that call builds up front for every request (their stack captures cost more
 * than the rest of a loopback round trip's JavaScript). A server with no subscriber on the subject
 * answers at once with a 503 status message: `no-responders`.
 */
export class RequestMux {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #pending = new Map<string, PendingRequest>();
  readonly #subscription: Subscription;
  #next = 0;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
    this.#prefix = `${createInbox()}.`;
    this.#subscription = nc.subscribe(`${this.#prefix}*`, {
      callback: (error, msg) => {
        if (error === null) this.#answer(msg);
      },
    });
  }

  request(subject: string, data: Uint8Array, headers: MsgHdrs, timeout: number): Promise<Msg> {
    const token = (this.#next++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.#pending.delete(token)) reject(new RequestFailed('timeout'));
      }, timeout);
      this.#pending.set(token, { resolve, reject, timer });
      try {
        this.#nc.publish(subject, data, { reply: this.#prefix + token, headers });
      } catch {
        clearTimeout(timer);
        this.#pending.delete(token);
        reject(new RequestFailed('closed'));
      }
    });
  }

  /** Fails every pending request (the link is closing). */
  close(): void {
    this.#subscription.unsubscribe();
    for (const [token, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(token);
      pending.reject(new RequestFailed('closed'));
    }
  }

  #answer(msg: Msg): void {
    const token = msg.subject.slice(this.#prefix.length);
    const pending = this.#pending.get(token);
    if (pending === undefined) return; // timed out meanwhile
    this.#pending.delete(token);
    clearTimeout(pending.timer);
    if (msg.data.length === 0 && msg.headers?.code === 503)
      pending.reject(new RequestFailed('no-responders'));
    else pending.resolve(msg);
  }
}
