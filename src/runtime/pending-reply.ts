import type { Message } from '../messages/types.js';

/** A `runtime.request` waiting for the output whose correlationId is its message's id. */
export interface PendingRequest {
  resolve(message: Message): void;
  reject(error: unknown): void;
  /** The runtime's request-expiry tick when it was made; -1 when the default timeout does not apply. */
  readonly born: number;
}

let capturing: PendingReply;
/** One executor shared by every request: it hands the resolvers to the entry being made. */
function capture(resolve: (message: Message) => void, reject: (error: unknown) => void): void {
  capturing.resolve = resolve;
  capturing.reject = reject;
}

/**
 * A reply promise with its resolvers, made with no closure (this is on the request path, where a
 * closure per request shows in the profile).
 */
export class PendingReply implements PendingRequest {
  readonly promise: Promise<Message>;
  resolve!: (message: Message) => void;
  reject!: (error: unknown) => void;
  /** The runtime's expiry tick when the request was made; -1: no default timeout applies. */
  born = -1;

  constructor() {
    // The shared executor needs to know which entry it fills; it runs synchronously, right below.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    capturing = this;
    this.promise = new Promise<Message>(capture);
  }
}
