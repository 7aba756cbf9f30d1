import { defineMessage, field, type MessageOf } from '../src/messages/index.js';

/**
 * The soak's input message. `hop` 0: sent by the driver (or published); 1: forwarded by a kernel
 * (never forwarded again, so routes form no cycles). The flags ask the kernel to misbehave.
 */
export const Work = defineMessage('SoakWork', {
  seq: field.i32({ default: 0 }),
  hop: field.u8({ default: 0 }),
  /** Sent by `request`: the kernel answers it. */
  reply: field.bool({ default: false }),
  /** Throw while handling it (supervised kernels restart; the message goes to the dead letters). */
  crash: field.bool({ default: false }),
  /** Never finish it, ignoring termination: terminate has to force-stop the kernel. */
  hang: field.bool({ default: false }),
  /** Wait this long before finishing it (honouring termination). */
  pauseMs: field.u16({ default: 0 }),
});
export type Work = MessageOf<typeof Work>;

/** The answer to a `request`. */
export const Reply = defineMessage('SoakReply', { seq: field.i32({ default: 0 }) });
export type Reply = MessageOf<typeof Reply>;

/** For worker kernels: the types crossing the thread boundary. */
export const messages = [Work, Reply];
