import type { AnyField } from './fields.js';

/**
 * Builds and validates a top-level message from an init object, or returns `undefined` when the
 * init does not fit the fast path (an unknown key, a key whose value is `undefined`, not a plain
 * object): the generic constructor then handles it and reports any error.
 */
export type FastConstructor = (
  init: Record<string, unknown>,
  correlationId: string | undefined,
  defaultPriority: number,
) => object | undefined;

/** What the compiled constructor calls into; all already-validated building blocks of one definition. */
export interface ConstructorParts {
  readonly name: string;
  readonly fieldNames: readonly string[];
  readonly specs: readonly AnyField[];
  readonly MessageClass: new () => Record<string, unknown>;
  readonly freeze: boolean;
  readonly randomMessageId: () => string;
  readonly checkId: (value: unknown, messageType: string, path: string) => string;
  readonly checkPriority: (value: unknown, messageType: string, path: string) => number;
  /** Throws the "field is required" validation error for field `index`. */
  readonly missing: (index: number) => never;
}

/**
 * Compiles a constructor specialised to one schema: named property loads and stores in a fixed
 * order (one hidden class, monomorphic accesses) and a direct call to each field's check, instead
 * of the generic loop's keyed accesses over field names. Field names are plain identifiers checked
 * by `defineMessage`, and only ever appear as property names and JSON string literals.
 *
 * Returns `undefined` where code generation is not allowed (a Content-Security-Policy without
 * `unsafe-eval`): the generic constructor is then used for every message.
 */
export function compileConstructor(parts: ConstructorParts): FastConstructor | undefined {
  const { fieldNames, specs } = parts;
  const lines: string[] = [];
  lines.push('let keys = 0;', 'for (const key in init) keys++;', 'let seen = 0;');
  lines.push('const messageId = init.messageId; if (messageId !== undefined) seen++;');
  lines.push('const priority = init.priority; if (priority !== undefined) seen++;');
  lines.push('const givenCorrelation = init.correlationId; if (givenCorrelation !== undefined) seen++;');
  fieldNames.forEach((fieldName, index) => {
    lines.push(`const v${index} = init.${fieldName}; if (v${index} !== undefined) seen++;`);
  });
  lines.push('if (seen !== keys) return undefined;');
  lines.push('const m = new MessageClass();');
  lines.push(
    'm.messageId = messageId === undefined ? randomMessageId() : checkId(messageId, name, "messageId");',
    'm.priority = priority === undefined ? defaultPriority : checkPriority(priority, name, "priority");',
    'm.correlationId = correlationId !== undefined ? correlationId : givenCorrelation === undefined ? undefined : checkId(givenCorrelation, name, "correlationId");',
  );
  fieldNames.forEach((fieldName, index) => {
    const spec = specs[index]!;
    const absent =
      spec.makeDefault !== undefined
        ? `specs[${index}].makeDefault()`
        : spec.presence === 'optional'
          ? 'undefined'
          : `missing(${index})`;
    lines.push(
      `m.${fieldName} = v${index} !== undefined ? check${index}(v${index}, name, ${JSON.stringify(fieldName)}) : ${absent};`,
    );
  });
  lines.push(parts.freeze ? 'return Object.freeze(m);' : 'return m;');
  const checkNames = specs.map((_, index) => `check${index}`);
  const source =
    `${checkNames.map((check, index) => `const ${check} = specs[${index}].check;`).join('\n')}\n` +
    `return function construct(init, correlationId, defaultPriority) {\n${lines.join('\n')}\n};`;
  let factory: (...args: unknown[]) => FastConstructor;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    factory = new Function(
      'name',
      'specs',
      'MessageClass',
      'randomMessageId',
      'checkId',
      'checkPriority',
      'missing',
      source,
    ) as (...args: unknown[]) => FastConstructor;
  } catch {
    return undefined;
  }
  return factory(
    parts.name,
    specs,
    parts.MessageClass,
    parts.randomMessageId,
    parts.checkId,
    parts.checkPriority,
    parts.missing,
  );
}

/** Copies a valid message with another correlationId (no validation: every value was checked when it was made). */
export type Recorrelator = (message: object, correlationId: string | undefined) => object;

/**
 * Compiles the copy behind {@link Recorrelator}: one named store per field, in schema order (the
 * same hidden class as `create`). Falls back to a generic copy where code generation is refused.
 */
export function compileRecorrelator(
  fieldNames: readonly string[],
  MessageClass: new () => Record<string, unknown>,
  freeze: boolean,
): Recorrelator {
  const body =
    'return function recorrelate(source, correlationId) {\n' +
    'const m = new MessageClass();\n' +
    'm.messageId = source.messageId;\nm.priority = source.priority;\nm.correlationId = correlationId;\n' +
    fieldNames.map((fieldName) => `m.${fieldName} = source.${fieldName};`).join('\n') +
    `\nreturn ${freeze ? 'Object.freeze(m)' : 'm'};\n};`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    return (new Function('MessageClass', body) as (type: unknown) => Recorrelator)(MessageClass);
  } catch {
    return (source, correlationId) => {
      const values = source as Record<string, unknown>;
      const m = new MessageClass();
      m.messageId = values.messageId;
      m.priority = values.priority;
      m.correlationId = correlationId;
      for (const fieldName of fieldNames) m[fieldName] = values[fieldName];
      return freeze ? Object.freeze(m) : m;
    };
  }
}
