import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, TimeoutError } from '../../src/errors.js';
import { defineMessage, field } from '../../src/messages/index.js';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  MessageNotAcceptedError,
  NotAMessageError,
  RingKernelRuntime,
  ringKernel,
} from '../../src/runtime/index.js';
import { PATIENCE_MS, Ping, Pong, nextEvent } from './helpers.js';

const Other = defineMessage('BadInputOther', { x: field.i32({ default: 0 }) });

/** Echoes each Ping as a Pong with the same n. */
function echo(options: Parameters<typeof ringKernel>[0] = {}) {
  return ringKernel<Ping, Pong>(options, {
    onMessage: (ping, ctx) => ctx.send(Pong.reply(ping, { n: ping.n })),
  });
}

async function started(runtime: RingKernelRuntime, id: string, definition: ReturnType<typeof echo>) {
  await runtime.launch(id, definition);
  await runtime.activate(id);
}

const notMessages: [string, unknown][] = [
  ['null', null],
  ['undefined', undefined],
  ['a number', 42],
  ['a plain object', { a: 1 }],
  [
    'a look-alike with messageId and priority',
    { messageId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', priority: 128, n: 1 },
  ],
];

describe('anything that is not a message is refused with NotAMessageError', () => {
  for (const [label, value] of notMessages) {
    test(`${label}: send, post, request and sendBatch refuse it; the kernel lives on`, async () => {
      await using runtime = new RingKernelRuntime();
      await started(runtime, 'echo', echo());
      const refused = (error: unknown) =>
        error instanceof NotAMessageError &&
        error.code === 'NOT_A_MESSAGE' &&
        /not a message; make one with a definition's create\(\)/.test(error.message);
      await assert.rejects(runtime.send('echo', value as Ping), refused);
      assert.throws(() => runtime.post('echo', value as Ping), refused);
      await assert.rejects(runtime.request('echo', value as Ping), refused);
      await assert.rejects(runtime.sendBatch('echo', [value as Ping]), refused);
      const telemetry = runtime.getTelemetry('echo');
      assert.equal(telemetry.messagesReceived, 0, 'nothing was counted as received');
      const reply = await runtime.request<Pong>('echo', Ping.create({ n: 7 }), { timeout: PATIENCE_MS });
      assert.equal(reply.n, 7);
      assert.equal(runtime.getState('echo'), 'active');
    });
  }
});

describe('a kernel that declares what it accepts', () => {
  test('refuses another type at send, post and request with MessageNotAcceptedError and lives on', async () => {
    await using runtime = new RingKernelRuntime();
    await started(runtime, 'echo', echo({ accepts: [Ping] }));
    const refused = (error: unknown) =>
      error instanceof MessageNotAcceptedError &&
      error.code === 'MESSAGE_NOT_ACCEPTED' &&
      error.messageType === 'BadInputOther' &&
      error.accepted.join() === 'RuntimeTestPing' &&
      /does not accept BadInputOther messages \(it accepts RuntimeTestPing\)/.test(error.message);
    await assert.rejects(runtime.send('echo', Other.create({ x: 1 })), refused);
    assert.throws(() => runtime.post('echo', Other.create({ x: 1 })), refused);
    await assert.rejects(runtime.request('echo', Other.create({ x: 1 })), refused);
    const reply = await runtime.request<Pong>('echo', Ping.create({ n: 3 }), { timeout: PATIENCE_MS });
    assert.equal(reply.n, 3);
    assert.equal(runtime.getState('echo'), 'active');
    assert.equal(runtime.getTelemetry('echo').errors, 0);
  });

  test('ctx.sendTo rejects in the sender; a route dead-letters the refused message', async () => {
    await using runtime = new RingKernelRuntime();
    await started(runtime, 'strict', echo({ accepts: [Ping] }));
    const seen: unknown[] = [];
    await started(
      runtime,
      'forwarder',
      ringKernel<Ping, Pong>(
        {},
        {
          async onMessage(ping, ctx) {
            try {
              await ctx.sendTo('strict', Other.create({ x: ping.n }));
            } catch (error) {
              seen.push(error);
            }
            await ctx.send(Pong.reply(ping, { n: ping.n }));
          },
        },
      ),
    );
    await runtime.request('forwarder', Ping.create({ n: 1 }), { timeout: PATIENCE_MS });
    assert.ok(seen[0] instanceof MessageNotAcceptedError);

    // A route from a kernel whose outputs the target does not accept: dead letters, nothing lost.
    await started(runtime, 'source', ringKernel<Ping, Pong>({ routes: ['strict'] }, { onMessage: () => {} }));
    await runtime.launch(
      'emitter',
      ringKernel<Ping, never>(
        { routes: ['strict'] },
        { onMessage: (ping, ctx) => ctx.send(Other.create({ x: ping.n }) as never) },
      ),
    );
    await runtime.activate('emitter');
    const letter = nextEvent(runtime, 'deadLetter');
    await runtime.send('emitter', Ping.create({ n: 9 }));
    const dead = await letter;
    assert.equal(dead.kernelId, 'strict');
    assert.equal(dead.reason, 'undeliverable');
    assert.ok(dead.error instanceof MessageNotAcceptedError);
    assert.equal(runtime.getState('strict'), 'active');
  });

  test('accepts must be a non-empty array of definitions', () => {
    for (const accepts of [[], ['Ping'], [{}], 'Ping', [null]]) {
      assert.throws(
        () => echo({ accepts: accepts as never }),
        (error: unknown) =>
          error instanceof InvalidArgumentError && /accepts must be a non-empty array/.test(error.message),
      );
    }
  });
});

describe('the default request timeout', () => {
  test('is 30 s by default and documented as a constant', () => {
    assert.equal(DEFAULT_REQUEST_TIMEOUT_MS, 30_000);
  });

  test('a request to a kernel that never answers rejects with TimeoutError, and the kernel lives on', async () => {
    await using runtime = new RingKernelRuntime({ requestTimeout: 40 });
    await started(runtime, 'silent', ringKernel<Ping, Pong>({}, { onMessage: () => {} }));
    const began = performance.now();
    await assert.rejects(
      runtime.request('silent', Ping.create({ n: 1 })),
      (error: unknown) =>
        error instanceof TimeoutError && error.operation === 'request' && error.timeoutMs === 40,
    );
    assert.ok(performance.now() - began >= 40, 'not before the timeout');
    assert.equal(runtime.getState('silent'), 'active');
    assert.equal(runtime.getTelemetry('silent').messagesProcessed, 1);
  });

  test('a call that passes its own timeout uses it; Infinity opts out', async () => {
    await using runtime = new RingKernelRuntime({ requestTimeout: 20 });
    await started(runtime, 'slow', ringKernel<Ping, Pong>({}, { onMessage: () => {} }));
    const forever = runtime.request('slow', Ping.create({ n: 1 }), { timeout: Infinity });
    let settled = false;
    void forever.then(
      () => (settled = true),
      () => (settled = true),
    );
    // A request under the default timeout, sent after: once it has expired, the other one has
    // lived through at least as many ticks.
    await assert.rejects(runtime.request('slow', Ping.create({ n: 2 })), TimeoutError);
    assert.equal(settled, false, 'the Infinity request still waits');
  });

  test('requestTimeout: Infinity never expires requests; bad values are refused', async () => {
    for (const requestTimeout of [0, -1, Number.NaN, '30s']) {
      assert.throws(
        () => new RingKernelRuntime({ requestTimeout: requestTimeout as number }),
        (error: unknown) =>
          error instanceof InvalidArgumentError && /requestTimeout must be/.test(error.message),
      );
    }
    await using runtime = new RingKernelRuntime({ requestTimeout: Infinity });
    await started(runtime, 'echo', echo());
    const reply = await runtime.request<Pong>('echo', Ping.create({ n: 5 }));
    assert.equal(reply.n, 5);
  });
});

describe('wait options are validated where the call starts, the same way everywhere', () => {
  test('send, request, receive and terminate refuse timeout: -1 even when nothing would wait', async () => {
    await using runtime = new RingKernelRuntime();
    await started(runtime, 'echo', echo());
    const invalid = (error: unknown) =>
      error instanceof InvalidArgumentError &&
      /timeout must be a number of milliseconds >= 0/.test(error.message);
    await assert.rejects(runtime.send('echo', Ping.create({ n: 1 }), { timeout: -1 }), invalid);
    await assert.rejects(runtime.request('echo', Ping.create({ n: 1 }), { timeout: -1 }), invalid);
    await assert.rejects(runtime.receive('echo', { timeout: -1 }), invalid);
    await assert.rejects(runtime.terminate('echo', { timeout: -1 }), invalid);
    await assert.rejects(runtime.send('echo', Ping.create({ n: 1 }), { timeout: '5' as never }), invalid);
    await assert.rejects(
      runtime.send('echo', Ping.create({ n: 1 }), { signal: 'stop' as never }),
      (error: unknown) =>
        error instanceof InvalidArgumentError && /signal must be an AbortSignal/.test(error.message),
    );
    assert.equal(runtime.getTelemetry('echo').messagesReceived, 0, 'refused sends were not counted');
    assert.equal(runtime.getState('echo'), 'active', 'the refused terminate did nothing');
  });
});

test('ctx.send, ctx.post and publish refuse what is not a message too', async () => {
  await using runtime = new RingKernelRuntime();
  const seen: unknown[] = [];
  await started(
    runtime,
    'sender',
    ringKernel<Ping, Pong>(
      {},
      {
        async onMessage(ping, ctx) {
          await ctx.send({ n: 1 } as never).catch((error: unknown) => seen.push(error));
          try {
            ctx.post(null as never);
          } catch (error) {
            seen.push(error);
          }
          await ctx.send(Pong.reply(ping, { n: ping.n }));
        },
      },
    ),
  );
  await runtime.request('sender', Ping.create({ n: 1 }), { timeout: PATIENCE_MS });
  assert.equal(seen.length, 2);
  for (const error of seen) {
    assert.ok(error instanceof NotAMessageError);
    assert.match(error.message, /from 'sender': it is not a message/);
  }
  await assert.rejects(runtime.publish('news', { headline: 'x' } as never), NotAMessageError);
});
