import { defineMessage, field, type MessageOf } from '../../src/messages/index.js';

/**
 * Input of every conformance kernel. `seq` identifies the message in assertions; `action` asks the
 * kernel to misbehave on purpose.
 */
export const Work = defineMessage('ConformanceWork', {
  seq: field.i32({ default: 0 }),
  action: field.enum(['work', 'crash'], { default: 'work' }),
  text: field.string({ default: '' }),
});
export type Work = MessageOf<typeof Work>;

/**
 * Output of every conformance kernel. `kind` says why it was sent: a `reply` (correlated), a
 * `processed` record (uncorrelated, fixed priority, so the output queue keeps processing order),
 * `ready`, `cleanup` (sent by shutdown code) or `batch` (one per `receiveBatch`, `seqs` lists its items).
 */
export const Outcome = defineMessage('ConformanceOutcome', {
  seq: field.i32({ default: 0 }),
  kind: field.enum(['reply', 'processed', 'ready', 'cleanup', 'batch']),
  text: field.string({ default: '' }),
  seqs: field.list(field.i32(), { default: [] }),
});
export type Outcome = MessageOf<typeof Outcome>;

/** Every message type the conformance kernels exchange (worker kernels register them for decoding). */
export const conformanceMessages = [Work, Outcome] as const;

/** The priority `processed` records carry, whatever the input's priority. */
export const RECORD_PRIORITY = 128;
