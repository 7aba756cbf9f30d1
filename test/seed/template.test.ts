import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineMessage, field, type MessageOf } from '../../src/messages/index.js';
import { RingKernelRuntime } from '../../src/runtime/index.js';
import { templateActor } from '../../examples/seed/template.js';

const Greet = defineMessage('Greet', { name: field.string() });
type Greet = MessageOf<typeof Greet>;
const Greeting = defineMessage('Greeting', { text: field.string() });
type Greeting = MessageOf<typeof Greeting>;

interface GreeterState {
  readonly greeted: string[];
  initialisations: number;
}

function greeter(log: string[]) {
  const state: GreeterState = { greeted: [], initialisations: 0 };
  const actor = templateActor<GreeterState, Greet, Greeting>('greeter', {
    initialize: () => {
      state.initialisations++;
      log.push('initialize');
      return state;
    },
    process: (request, current) => {
      if (request.name === '') throw new Error('a greeting needs a name');
      current.greeted.push(request.name);
      return Greeting.reply(request, { text: `hello ${request.name}` });
    },
    cleanup: (current) => {
      log.push(`cleanup after ${current.greeted.length}`);
    },
  });
  return { actor, state };
}

test('the template initialises once at launch, serves requests, and cleans up on terminate', async () => {
  const log: string[] = [];
  const { actor, state } = greeter(log);
  await using runtime = new RingKernelRuntime();
  await runtime.launch('greeter', actor);
  const first = runtime.request<Greeting>('greeter', Greet.create({ name: 'Ada' }));
  await runtime.activate('greeter');
  assert.equal((await first).text, 'hello Ada');
  assert.equal(
    (await runtime.request<Greeting>('greeter', Greet.create({ name: 'Grace' }))).text,
    'hello Grace',
  );
  const report = await runtime.terminate('greeter', { timeout: 5000 });
  assert.equal(report.graceful, true);
  assert.deepEqual(log, ['initialize', 'cleanup after 2']);
  assert.equal(state.initialisations, 1);
});

test('the template logs a failing request and keeps running', async () => {
  const { actor } = greeter([]);
  await using runtime = new RingKernelRuntime();
  const reported: unknown[] = [];
  runtime.on('kernelError', (event) => reported.push(event.error));
  await runtime.launch('greeter', actor);
  await runtime.activate('greeter');
  await runtime.send('greeter', Greet.create({ name: '' }));
  assert.equal(
    (await runtime.request<Greeting>('greeter', Greet.create({ name: 'Alan' }))).text,
    'hello Alan',
  );
  assert.equal(runtime.getState('greeter'), 'active');
  assert.equal(runtime.getTelemetry('greeter').errors, 1);
  assert.match(String(reported[0]), /a greeting needs a name/);
  // The failed request got no answer; the next one did.
  assert.deepEqual(runtime.receiveAvailable('greeter'), []);
});

test('the template pauses while deactivated and serves the backlog after reactivate', async () => {
  const { actor, state } = greeter([]);
  await using runtime = new RingKernelRuntime();
  await runtime.launch('greeter', actor);
  await runtime.activate('greeter');
  await runtime.request('greeter', Greet.create({ name: 'first' }));
  await runtime.deactivate('greeter');
  await runtime.send('greeter', Greet.create({ name: 'low', priority: 1 }));
  await runtime.send('greeter', Greet.create({ name: 'high', priority: 200 }));
  assert.deepEqual(state.greeted, ['first']);
  await runtime.reactivate('greeter');
  await runtime.receive('greeter', { timeout: 5000 });
  await runtime.receive('greeter', { timeout: 5000 });
  assert.deepEqual(state.greeted, ['first', 'high', 'low']);
});
