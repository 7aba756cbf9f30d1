import { defineMessage, field, type MessageOf } from 'ringkernel';

export const Ping = defineMessage('Ping', { text: field.string() });
export type Ping = MessageOf<typeof Ping>;
export const Pong = defineMessage('Pong', { text: field.string(), thread: field.u32() });
export type Pong = MessageOf<typeof Pong>;
