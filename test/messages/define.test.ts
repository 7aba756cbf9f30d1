import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RingKernelError } from '../../src/errors.js';
import {
  defineMessage,
  definitionOf,
  field,
  isUuid,
  MessageDefinitionError,
  MessageValidationError,
  type InitOf,
  type Message,
  type MessageOf,
} from '../../src/messages/index.js';

const CalculateRequest = defineMessage('CalculateRequest', {
  a: field.f64(),
  b: field.f64(),
  operation: field.enum(['add', 'sub', 'mul', 'div'], { default: 'add' }),
});
type CalculateRequest = MessageOf<typeof CalculateRequest>;

const CalculateResponse = defineMessage('CalculateResponse', {
  result: field.f64({ default: 0 }),
  success: field.bool({ default: true }),
  error: field.optional(field.string()),
  errorCode: field.optional(field.enum(['DIVIDE_BY_ZERO', 'INVALID_INPUT'])),
});

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function validationError(run: () => unknown): MessageValidationError {
  try {
    run();
  } catch (error) {
    assert.ok(
      error instanceof MessageValidationError,
      `expected MessageValidationError, got ${String(error)}`,
    );
    assert.ok(error instanceof RingKernelError);
    assert.equal(error.code, 'MESSAGE_VALIDATION');
    return error;
  }
  assert.fail('expected a MessageValidationError');
}

describe('defineMessage: create()', () => {
  it('fills the standard fields and defaults', () => {
    const request = CalculateRequest.create({ a: 10, b: 5 });
    assert.match(request.messageId, UUID_V4);
    assert.equal(request.priority, 128);
    assert.equal(request.correlationId, undefined);
    assert.equal(request.a, 10);
    assert.equal(request.b, 5);
    assert.equal(request.operation, 'add');
    assert.deepEqual(Object.keys(request), ['messageId', 'priority', 'correlationId', 'a', 'b', 'operation']);
  });

  it('generates a distinct messageId per message', () => {
    const ids = new Set(
      Array.from({ length: 1000 }, () => CalculateRequest.create({ a: 1, b: 2 }).messageId),
    );
    assert.equal(ids.size, 1000);
  });

  it('keeps given standard fields after validating them', () => {
    const messageId = crypto.randomUUID();
    const correlationId = crypto.randomUUID();
    const request = CalculateRequest.create({ a: 1, b: 2, messageId, priority: 255, correlationId });
    assert.equal(request.messageId, messageId);
    assert.equal(request.priority, 255);
    assert.equal(request.correlationId, correlationId);
    assert.equal(CalculateRequest.create({ a: 1, b: 2, priority: 0 }).priority, 0);
  });

  it('rejects priorities outside 0..255 or not integers', () => {
    for (const priority of [-1, 256, 1.5, Number.NaN, '1']) {
      const error = validationError(() =>
        CalculateRequest.create({ a: 1, b: 2, priority: priority as number }),
      );
      assert.equal(error.field, 'priority');
      assert.match(error.message, /0\.\.255/);
    }
  });

  it('rejects malformed messageId and correlationId', () => {
    assert.equal(
      validationError(() => CalculateRequest.create({ a: 1, b: 2, messageId: 'abc' })).field,
      'messageId',
    );
    assert.equal(
      validationError(() => CalculateRequest.create({ a: 1, b: 2, correlationId: 'not-a-uuid' })).field,
      'correlationId',
    );
  });

  it('names a missing required field, the value and the expected type', () => {
    const error = validationError(() => CalculateRequest.create({ a: 1 } as InitOf<typeof CalculateRequest>));
    assert.equal(error.field, 'b');
    assert.equal(error.messageType, 'CalculateRequest');
    assert.match(error.message, /CalculateRequest\.b: got undefined, expected f64/);
    assert.match(error.message, /required/);
  });

  it('rejects unknown fields and lists the known ones', () => {
    const error = validationError(() =>
      CalculateRequest.create({ a: 1, b: 2, c: 3 } as unknown as InitOf<typeof CalculateRequest>),
    );
    assert.equal(error.field, 'c');
    assert.match(error.message, /no such field in CalculateRequest \(fields: a, b, operation\)/);
  });

  it('rejects a non-object init', () => {
    for (const init of [null, 5, 'x', []]) {
      const error = validationError(() =>
        CalculateRequest.create(init as unknown as InitOf<typeof CalculateRequest>),
      );
      assert.equal(error.field, '(init)');
    }
  });

  it('treats an explicit undefined like an omitted field', () => {
    const request = CalculateRequest.create({ a: 1, b: 2, operation: undefined, correlationId: undefined });
    assert.equal(request.operation, 'add');
    assert.equal(request.correlationId, undefined);
    const response = CalculateResponse.create({});
    assert.equal(response.error, undefined);
    assert.ok(
      Object.hasOwn(response, 'error'),
      'optional fields are own properties, so every message has one shape',
    );
  });

  it('is() recognises messages of its own definition only', () => {
    const request = CalculateRequest.create({ a: 1, b: 2 });
    assert.equal(CalculateRequest.is(request), true);
    assert.equal(CalculateResponse.is(request), false);
    assert.equal(CalculateRequest.is({ ...request }), false);
    assert.equal(CalculateRequest.is(null), false);
    assert.equal(definitionOf(request), CalculateRequest);
    assert.equal(definitionOf({ messageId: request.messageId }), undefined);
  });

  it('exposes its schema', () => {
    assert.equal(CalculateRequest.name, 'CalculateRequest');
    assert.deepEqual(CalculateRequest.fieldNames, ['a', 'b', 'operation']);
    assert.equal(CalculateRequest.fields.operation.kind, 'enum');
  });
});

describe('defineMessage: reply()', () => {
  it('sets correlationId to the request messageId and gets a fresh messageId', () => {
    const request = CalculateRequest.create({ a: 10, b: 5 });
    const response = CalculateResponse.reply(request, { result: 15 });
    assert.equal(response.correlationId, request.messageId);
    assert.notEqual(response.messageId, request.messageId);
    assert.match(response.messageId, UUID_V4);
    assert.equal(response.result, 15);
    assert.equal(response.success, true);
  });

  it("inherits the request's priority unless told otherwise", () => {
    const urgent = CalculateRequest.create({ a: 1, b: 0, priority: 250 });
    assert.equal(CalculateResponse.reply(urgent, {}).priority, 250);
    assert.equal(CalculateResponse.reply(urgent, { priority: 3 }).priority, 3);
  });

  it('validates like create()', () => {
    const request = CalculateRequest.create({ a: 1, b: 0 });
    const error = validationError(() =>
      CalculateResponse.reply(request, { success: false, errorCode: 'DIVISION' as 'DIVIDE_BY_ZERO' }),
    );
    assert.equal(error.field, 'errorCode');
    assert.match(error.message, /one of "DIVIDE_BY_ZERO", "INVALID_INPUT"/);
  });

  it('refuses a request without a UUID messageId', () => {
    const error = validationError(() => CalculateResponse.reply({ messageId: 'x', priority: 1 }, {}));
    assert.equal(error.field, 'correlationId');
  });

  it('works for any Message, not only defined ones', () => {
    const request: Message = { messageId: crypto.randomUUID(), priority: 7 };
    const response = CalculateResponse.reply(request, { result: 1 });
    assert.equal(response.correlationId, request.messageId);
    assert.equal(response.priority, 7);
  });
});

describe('defineMessage: immutability', () => {
  it('returns frozen messages: assignments throw in strict mode and change nothing', () => {
    const request = CalculateRequest.create({ a: 10, b: 5 });
    assert.ok(Object.isFrozen(request));
    assert.throws(() => {
      (request as { a: number }).a = 99;
    }, TypeError);
    assert.throws(() => {
      (request as unknown as Record<string, unknown>).extra = 1;
    }, TypeError);
    assert.equal(request.a, 10);
  });

  it('copies and freezes lists, so the caller keeps ownership of its array', () => {
    const Tags = defineMessage('Tags', { tags: field.list(field.string()) });
    const mine = ['a', 'b'];
    const message = Tags.create({ tags: mine });
    mine.push('c');
    assert.deepEqual(message.tags, ['a', 'b']);
    assert.ok(Object.isFrozen(message.tags));
    assert.throws(() => (message.tags as string[]).push('d'), TypeError);
  });

  it('holds typed arrays by reference: they cannot be frozen (documented rule)', () => {
    const Vector = defineMessage('Vector', { values: field.array('f32', 3) });
    const values = new Float32Array([1, 2, 3]);
    const message = Vector.create({ values });
    assert.equal(message.values, values);
    assert.throws(() => Object.freeze(new Float32Array(1)), TypeError);
  });

  it('gives each message a fresh copy of a mutable default', () => {
    const Vector = defineMessage('DefaultVector', { values: field.array('f32', 3, { default: [1, 2, 3] }) });
    const first = Vector.create({});
    first.values[0] = 42;
    assert.deepEqual(Array.from(Vector.create({}).values), [1, 2, 3]);
  });

  it('can skip freezing when asked', () => {
    const Loose = defineMessage('Loose', { a: field.i32() }, { freeze: false });
    assert.equal(Object.isFrozen(Loose.create({ a: 1 })), false);
  });
});

describe('defineMessage: schema errors', () => {
  const definitionError = (run: () => unknown, pattern: RegExp): void => {
    assert.throws(run, (error: unknown) => {
      assert.ok(error instanceof MessageDefinitionError);
      assert.equal(error.code, 'MESSAGE_DEFINITION');
      assert.match(error.message, pattern);
      return true;
    });
  };

  it('rejects fields that clash with standard fields', () => {
    definitionError(() => defineMessage('Bad', { priority: field.i32() }), /Bad\.priority clashes/);
    definitionError(() => defineMessage('Bad', { messageId: field.uuid() }), /clashes/);
  });

  it('rejects unusable field names and non-fields', () => {
    definitionError(
      () => defineMessage('Bad', { ['__proto__']: field.i32() } as never),
      /cannot be a field name/,
    );
    definitionError(() => defineMessage('Bad', { 'a-b': field.i32() }), /cannot be a field name/);
    definitionError(() => defineMessage('Bad', { a: 5 } as never), /is not a field/);
    definitionError(() => defineMessage('', {}), /non-empty string/);
  });

  it('rejects invalid defaults and bad field options', () => {
    definitionError(() => field.u8({ default: 300 }), /invalid default for a u8 field/);
    definitionError(() => field.array('f32', 0), /array length must be a positive integer/);
    definitionError(() => field.array('f16' as 'f32'), /unknown numeric kind 'f16'/);
    definitionError(() => field.vec3('f64' as 'f32'), /vector elements must be f32, i32 or u32/);
  });
});

// Type-level checks: this function is never called; `npm run typecheck` fails if the types regress.
function typeChecks(): void {
  // @ts-expect-error b is required
  CalculateRequest.create({ a: 1 });
  // @ts-expect-error 'pow' is not an operation
  CalculateRequest.create({ a: 1, b: 2, operation: 'pow' });
  // @ts-expect-error unknown field
  CalculateRequest.create({ a: 1, b: 2, c: 3 });
  const request: CalculateRequest = CalculateRequest.create({ a: 1, b: 2 });
  const operation: 'add' | 'sub' | 'mul' | 'div' = request.operation;
  // @ts-expect-error messages are read-only
  request.a = 3;
  const error: string | undefined = CalculateResponse.create({}).error;
  // @ts-expect-error correlationId comes from the request in reply()
  CalculateResponse.reply(request, { correlationId: request.messageId });
  void operation;
  void error;
}
void typeChecks;

describe('uuid', () => {
  it('accepts UUIDs of either case and rejects near misses', () => {
    const id = crypto.randomUUID();
    assert.ok(isUuid(id));
    assert.ok(isUuid(id.toUpperCase()));
    assert.equal(isUuid(`${id}0`), false);
    assert.equal(isUuid(id.replace(/-/g, '_')), false);
    assert.equal(isUuid(`g${id.slice(1)}`), false);
    assert.equal(isUuid(`é${id.slice(1)}`), false);
    assert.equal(isUuid(5), false);
  });
});
