import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defineMessage,
  field,
  InvalidArgumentError,
  RingKernelRuntime,
  ringKernel,
  TimeoutError,
  type Message,
} from '../../src/index.js';
import {
  connectCluster,
  NodeUnavailableError,
  RemoteKernelError,
  RemoteKernelNotFoundError,
  startNatsServer,
  type ClusterLink,
  type NatsServerProcess,
} from '../../src/cluster.js';
import { Ping, Pong, testRegistry, type PingMessage, type PongMessage } from './fixtures/messages.js';
import { spawnNode, type NodeProcess } from './fixtures/spawn-node.js';
import { natsSkipReason } from './nats-available.js';
import { runCli } from '../../src/cli/run-cli.js';
import { dashboardSnapshot } from '../../src/node.js';

describe(
  'cluster link, direct mode (real nats-server, runtimes in child processes)',
  { skip: natsSkipReason() },
  () => {
    let server: NatsServerProcess;
    let nodeA: NodeProcess;
    let runtime: RingKernelRuntime;
    let link: ClusterLink;
    const forwarded: Message[] = [];

    before(async () => {
      server = await startNatsServer();
      runtime = new RingKernelRuntime();
      await runtime.launch('sink', ringKernel({}, { onMessage: (message) => void forwarded.push(message) }));
      await runtime.activate('sink');
      link = await connectCluster(runtime, {
        servers: server.url,
        node: 'client',
        cluster: 'direct',
        registry: testRegistry(),
        heartbeatMs: 200,
      });
      await link.serve('sink');
      const joined = new Promise<void>((resolve) => {
        const off = link.on('join', ({ member }) => {
          if (member.node === 'node-a') {
            off();
            resolve();
          }
        });
      });
      nodeA = await spawnNode({
        servers: server.url,
        node: 'node-a',
        cluster: 'direct',
        forwardTo: 'sink@client',
        serve: [
          { kernel: 'echo', mode: 'direct' },
          { kernel: 'forward', mode: 'direct' },
        ],
      });
      await joined;
    });

    after(async () => {
      await nodeA?.kill();
      await link?.close();
      await runtime?.terminateAll();
      await server?.stop();
    });

    test('request/reply reaches a kernel in another process, by node and by any node', async () => {
      const reply = await runtime.request('echo@node-a', Ping.create({ n: 7, delayMs: 0 }), {
        timeout: 5000,
      });
      assert.ok(Pong.is(reply));
      assert.equal(reply.n, 7);
      const any = await runtime.request('echo@*', Ping.create({ n: 8, delayMs: 0 }), { timeout: 5000 });
      assert.equal((any as PongMessage).n, 8);
      const member = link.members().find((m) => m.node === 'node-a');
      assert.deepEqual(member?.kernels, { echo: 'direct', forward: 'direct' });
    });

    test('tells travel both ways: send to a remote kernel whose ctx.sendTo reaches a kernel here', async () => {
      const count = 500;
      for (let n = 0; n < count; n++) runtime.post('forward@node-a', Ping.create({ n, delayMs: 0 }));
      const deadline = Date.now() + 10_000;
      while (forwarded.length < count && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(
        forwarded.map((message) => (message as PingMessage).n),
        Array.from({ length: count }, (_, n) => n),
      );
    });

    test('routes and topic subscriptions reach remote kernels too', async () => {
      forwarded.length = 0;
      await runtime.launch(
        'relay',
        ringKernel<PingMessage, Message>(
          { routes: ['forward@node-a'] },
          { onMessage: (ping, ctx) => ctx.send(ping) },
        ),
      );
      await runtime.activate('relay');
      const unsubscribe = runtime.subscribe('pings.#', 'forward@node-a');
      await runtime.send('relay', Ping.create({ n: 1, delayMs: 0 }));
      await runtime.publish('pings.a', Ping.create({ n: 2, delayMs: 0 }));
      const deadline = Date.now() + 10_000;
      while (forwarded.length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(forwarded.map((message) => (message as PingMessage).n).sort(), [1, 2]);
      unsubscribe();
      await runtime.terminate('relay');
    });

    test('typed errors: unknown remote kernel, unknown node, timeout', async () => {
      await assert.rejects(
        runtime.send('nope@node-a', Ping.create({ n: 1, delayMs: 0 })),
        RemoteKernelNotFoundError,
      );
      await assert.rejects(
        runtime.request('nope@*', Ping.create({ n: 1, delayMs: 0 })),
        RemoteKernelNotFoundError,
      );
      await assert.rejects(
        runtime.send('echo@node-z', Ping.create({ n: 1, delayMs: 0 })),
        NodeUnavailableError,
      );
      await assert.rejects(
        runtime.request('echo@node-a', Ping.create({ n: 1, delayMs: 2000 }), { timeout: 100 }),
        (error: unknown) => error instanceof TimeoutError && error.code === 'TIMEOUT',
      );
    });

    test('message types: one the receiving node does not know fails with its decode error, one not registered here fails at once', async () => {
      const Unknown = defineMessage('ClusterTestUnknown', { n: field.i32() });
      link.registry.add(Unknown);
      await assert.rejects(
        runtime.request('echo@node-a', Unknown.create({ n: 1 }), { timeout: 5000 }),
        (error: unknown) =>
          error instanceof RemoteKernelError &&
          error.remoteCode === 'MESSAGE_DECODE' &&
          /ClusterTestUnknown/.test(error.message),
      );
      const Unregistered = defineMessage('ClusterTestUnregistered', { n: field.i32() });
      await assert.rejects(
        runtime.send('echo@node-a', Unregistered.create({ n: 1 })),
        (error: unknown) =>
          error instanceof InvalidArgumentError && /not in this registry/.test(error.message),
      );
    });

    test('ringkernel cluster members / status / streams show the runtimes and what they serve', async () => {
      const run = async (args: string[]) => {
        let out = '';
        const code = await runCli(['cluster', ...args, '--servers', server.url, '--cluster', 'direct'], {
          stdout: { write: (text: string) => (out += text) },
          stderr: { write: () => true, isTTY: false },
          env: {},
          untilStopped: () => new Promise(() => undefined),
        });
        assert.equal(code, 0);
        return out;
      };
      const { members } = JSON.parse(await run(['members', '--json'])) as {
        members: Array<{ node: string; kernels: object }>;
      };
      assert.deepEqual(members.map((member) => member.node).sort(), ['client', 'node-a']);
      const status = await run(['status']);
      assert.match(status, /2 member\(s\)/);
      assert.match(status, /echo \(direct\), forward \(direct\)/);
      assert.match(await run(['streams']), /no durable streams/);
      assert.equal(link.members().length, 2, 'the CLI watched without joining');
    });

    test('the dashboard snapshot shows the remote kernels and the link health', () => {
      const snapshot = dashboardSnapshot(runtime, Date.now(), link);
      assert.equal(snapshot.cluster?.status.connected, true);
      assert.equal(snapshot.cluster?.status.node, 'client');
      const nodeA = snapshot.cluster?.members.find((member) => member.node === 'node-a');
      assert.deepEqual(nodeA?.kernels, { echo: 'direct', forward: 'direct' });
    });

    test('a node that is gone: requests fail at once with NodeUnavailableError, and it leaves the member list', async () => {
      const left = new Promise<string | undefined>((resolve) => {
        const off = link.on('leave', ({ member, reason }) => {
          if (member.node === 'node-a') {
            off();
            resolve(reason);
          }
        });
      });
      await nodeA.kill();
      const started = performance.now();
      await assert.rejects(
        runtime.request('echo@node-a', Ping.create({ n: 1, delayMs: 0 }), { timeout: 5000 }),
        NodeUnavailableError,
      );
      assert.ok(
        performance.now() - started < 2500,
        'no responders is reported without waiting for the timeout',
      );
      assert.equal(await left, 'expired');
      await assert.rejects(
        runtime.send('echo@node-a', Ping.create({ n: 1, delayMs: 0 })),
        NodeUnavailableError,
      );
    });
  },
);
