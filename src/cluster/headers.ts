import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import type { Message } from '../messages/types.js';

/*
 * Header names. A request (and its reply) is one kernel message: its messageId, correlationId and
 * priority travel in headers too, so tools that read headers (`nats sub`) see them without decoding
 * the payload. In a batched frame each message carries them in its own encoding.
 */
export const MESSAGE_ID = 'rk-message-id';
export const CORRELATION_ID = 'rk-correlation-id';
export const PRIORITY = 'rk-priority';
/** The requester's remaining patience, ms: the serving node bounds its local request by it. */
export const TIMEOUT = 'rk-timeout';
/** Set on a reply that is an error: the error's `code`. */
export const ERROR_CODE = 'rk-error-code';
/** Set on a reply that is an error: its message. */
export const ERROR_MESSAGE = 'rk-error';

/** Headers describing `message` (and the timeout of a request). */
export function messageHeaders(message: Message, timeoutMs?: number): MsgHdrs {
  const headers = natsHeaders();
  headers.set(MESSAGE_ID, message.messageId);
  if (message.correlationId !== undefined) headers.set(CORRELATION_ID, message.correlationId);
  headers.set(PRIORITY, String(message.priority));
  if (timeoutMs !== undefined) headers.set(TIMEOUT, String(Math.max(1, Math.floor(timeoutMs))));
  return headers;
}

/** Headers of an error reply. */
export function errorHeaders(error: unknown): MsgHdrs {
  const headers = natsHeaders();
  const code = (error as { code?: unknown } | undefined)?.code;
  headers.set(ERROR_CODE, typeof code === 'string' ? code : 'ERROR');
  headers.set(
    ERROR_MESSAGE,
    (error instanceof Error ? error.message : String(error)).replace(/[\r\n]+/g, ' '),
  );
  return headers;
}
