/**
 * A ring kernel that runs in its own worker thread. Both threads must know the message types:
 * the worker reads them from this module's `messages` export.
 */
import { threadId } from 'node:worker_threads';
import type { KernelContext } from 'ringkernel';
import { Ping, Pong } from './messages.js';

export const messages = [Ping, Pong];

export default async function echo(ctx: KernelContext<Ping, Pong>): Promise<void> {
  for await (const ping of ctx) await ctx.send(Pong.reply(ping, { text: ping.text, thread: threadId }));
}
