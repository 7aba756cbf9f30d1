import { MessageRegistry } from '../messages/registry.js';
import type { WireDefinition } from '../messages/wire.js';
import { WorkerMessageTypesError } from './errors.js';

/** Message types given to a worker kernel: a registry, or a list of definitions. */
export type MessageTypes = MessageRegistry | Iterable<WireDefinition>;

function isDefinition(value: unknown): value is WireDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<WireDefinition>).name === 'string' &&
    typeof (value as Partial<WireDefinition>).fromWire === 'function' &&
    typeof (value as Partial<WireDefinition>).toWire === 'function'
  );
}

/** A registry holding `types`, as given or built from a list. */
export function registryOf(types: MessageTypes): MessageRegistry {
  return types instanceof MessageRegistry ? types : new MessageRegistry(types);
}

/**
 * The message types a module offers: its `messages` export (a registry or a list of definitions)
 * when it has one, else every message definition it exports. Both threads run this on the same
 * module, so both end up with the same types.
 */
export function registryFromModule(
  namespace: Readonly<Record<string, unknown>>,
  moduleUrl: string,
): MessageRegistry {
  const declared = namespace['messages'];
  if (declared instanceof MessageRegistry) return declared;
  if (Array.isArray(declared)) {
    const definitions = declared.filter(isDefinition);
    if (definitions.length !== declared.length) {
      throw new WorkerMessageTypesError(
        `the 'messages' export of ${moduleUrl} must hold only message definitions (from defineMessage)`,
      );
    }
    return new MessageRegistry(definitions);
  }
  const registry = new MessageRegistry();
  for (const value of Object.values(namespace)) if (isDefinition(value)) registry.add(value);
  return registry;
}

/** Throws when the two threads registered different message types (they could not decode each other). */
export function checkSameTypes(kernelId: string, host: MessageRegistry, worker: readonly string[]): void {
  const hostNames = [...host.names].sort();
  const workerNames = [...worker].sort();
  if (
    hostNames.length === workerNames.length &&
    hostNames.every((name, index) => name === workerNames[index])
  ) {
    return;
  }
  throw new WorkerMessageTypesError(
    `worker kernel '${kernelId}': the host knows message types [${hostNames.join(', ')}] but the worker ` +
      `knows [${workerNames.join(', ')}]; export the same definitions as 'messages' from the kernel module ` +
      '(or name a messagesModule) and pass the same list as the messages option',
  );
}
