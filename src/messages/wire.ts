import type { Message } from './types.js';

/** Where a message's prototype keeps its definition, so codecs and registries can find it. */
export const MESSAGE_DEFINITION: unique symbol = Symbol('ringkernel.messageDefinition');

/** What a codec needs from a definition: its name and the positional wire form. */
export interface WireDefinition {
  readonly name: string;
  /** `[messageId, priority, correlationId | null, ...fields]` */
  toWire(message: Message): unknown[];
  /** Reads the positional form starting at `start` (1 when a type tag comes first). */
  fromWire(wire: readonly unknown[], start: number, messageType: string, path: string): Message;
}

/** The definition a message was created by, or undefined for plain objects. */
export function definitionOf(message: unknown): WireDefinition | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  return (message as { [MESSAGE_DEFINITION]?: WireDefinition })[MESSAGE_DEFINITION];
}
