import { describeValue, InvalidArgumentError } from '../errors.js';
import { MessageCodec, type MessageCodecOptions } from './codec.js';
import { DuplicateMessageTypeError, MessageDecodeError } from './errors.js';
import type { Message } from './types.js';
import { definitionOf, type WireDefinition } from './wire.js';

/**
 * A set of message types that can decode bytes of any of them (the type tag picks the definition).
 * Nothing registers itself: create a registry, add the types a channel carries, pass it around.
 *
 * @example
 * ```ts
 * const registry = new MessageRegistry([CalculateRequest, CalculateResponse], { maxBytes: 64 * 1024 });
 * const message = registry.decode(bytes);
 * if (CalculateRequest.is(message)) console.log(message.a);
 * ```
 */
export class MessageRegistry {
  /** The codec used by `encode` and `decode`; its `maxBytes` is the registry's limit. */
  readonly codec: MessageCodec;
  readonly #definitions = new Map<string, WireDefinition>();

  constructor(definitions: Iterable<WireDefinition> = [], options: MessageCodecOptions = {}) {
    this.codec = new MessageCodec(options);
    for (const definition of definitions) this.add(definition);
  }

  /**
   * Adds a message type.
   * @throws {@link DuplicateMessageTypeError} when a type of the same name is already here.
   */
  add(definition: WireDefinition): this {
    if (typeof definition?.fromWire !== 'function')
      throw new InvalidArgumentError(`expected a message definition, got ${describeValue(definition)}`);
    const existing = this.#definitions.get(definition.name);
    if (existing !== undefined) {
      if (existing === definition) return this;
      throw new DuplicateMessageTypeError(definition.name);
    }
    this.#definitions.set(definition.name, definition);
    return this;
  }

  /** The definition registered under `name`, if any. */
  get(name: string): WireDefinition | undefined {
    return this.#definitions.get(name);
  }

  /** True when a definition named `name` is registered. */
  has(name: string): boolean {
    return this.#definitions.has(name);
  }

  /** Registered type names, in insertion order. */
  get names(): string[] {
    return [...this.#definitions.keys()];
  }

  /**
   * Encodes a message whose type is registered here.
   * @throws `InvalidArgumentError` when its type is not registered (the other end could not decode it).
   */
  encode(message: Message): Uint8Array {
    const definition = definitionOf(message);
    if (definition === undefined || this.#definitions.get(definition.name) !== definition)
      throw new InvalidArgumentError(
        `cannot encode ${definition === undefined ? describeValue(message) : `'${definition.name}'`}: ` +
          `its type is not in this registry (registered: ${this.names.join(', ') || 'none'}); add() it first`,
      );
    return this.codec.encodeWith(definition, message);
  }

  /**
   * Decodes bytes of any registered type.
   * @throws {@link MessageDecodeError} for unknown types and bad bytes; `MessageValidationError` for bad
   *   values; `MessageTooLargeError` over the limit.
   */
  decode(bytes: Uint8Array): Message {
    const wire = this.codec.unpack(bytes, undefined);
    const name = wire[0] as string;
    const definition = this.#definitions.get(name);
    if (definition === undefined)
      throw new MessageDecodeError(
        undefined,
        `unknown message type ${describeValue(name)} (registered: ${this.names.join(', ') || 'none'})`,
      );
    return definition.fromWire(wire, 1, name, '');
  }
}
