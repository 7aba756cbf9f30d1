import { defineMessage, field, MessageRegistry, type MessageOf } from '../../src/index.js';

/** A unit of work: the producer sends them to `jobs@*`. */
export const Job = defineMessage('ExampleJob', { seq: field.i32() });
/** A worker's report that it processed a job: sent to `tally@producer`. */
export const Done = defineMessage('ExampleDone', { seq: field.i32(), node: field.string() });
export type JobMessage = MessageOf<typeof Job>;
export type DoneMessage = MessageOf<typeof Done>;

/** The same message types on every node. */
export const registry = (): MessageRegistry => new MessageRegistry([Job, Done]);
