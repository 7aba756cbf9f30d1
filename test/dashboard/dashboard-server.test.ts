import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { defineMessage, field } from '../../src/messages/index.js';
import { RingKernelRuntime, ringKernel } from '../../src/runtime/index.js';
import {
  dashboardSnapshot,
  serveDashboard,
  type DashboardSnapshot,
  type SlowClientEvent,
} from '../../src/dashboard/index.js';
import { InsecureBindingError } from '../../src/telemetry/exporters/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { ACCEPTED_HOSTS, REFUSED_HOSTS, getWithHost } from '../helpers/http.js';
import { pollUntil, within } from '../helpers/bounded.js';

const Note = defineMessage('DashboardNote', { text: field.string() });

async function noteRuntime(): Promise<RingKernelRuntime> {
  const runtime = new RingKernelRuntime();
  await runtime.launch(
    'notes',
    ringKernel({ kernelId: 'notes' }, async (ctx) => {
      for await (const message of ctx) await ctx.send(message);
    }),
  );
  await runtime.launch(
    'archive',
    ringKernel({ kernelId: 'archive' }, async (ctx) => {
      for await (const _ of ctx) {
        // Keeps nothing.
      }
    }),
  );
  runtime.connect('notes', 'archive');
  await runtime.activate('notes');
  await runtime.activate('archive');
  return runtime;
}

/** Reads server-sent events from a stream, one `[event, data]` pair at a time. */
async function openEvents(url: string): Promise<{ next(): Promise<[string, string]>; close(): void }> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (name !== undefined && data !== undefined) return [name, data];
          continue;
        }
        const { done, value } = await within(reader.read(), 'data on the event stream');
        if (done) throw new Error('the event stream ended');
        buffer += decoder.decode(value, { stream: true });
      }
    },
    close: () => controller.abort(),
  };
}

/** A source whose every snapshot is about `bytes` long, counting its inspections. */
function bulkySource(bytes: number) {
  const summary = new RingKernelRuntime().getSummary();
  const routes = Array.from({ length: Math.ceil(bytes / 250) }, (_, index) => ({
    from: `${'k'.repeat(100)}${index}`,
    to: ['t'.repeat(100)],
    strategy: 'roundRobin',
  }));
  const counts = { inspecting: 0 };
  const source = {
    kernelIds: [] as string[],
    routes,
    getTelemetry: (): never => {
      throw new Error('no kernels');
    },
    getSummary: () => summary,
    inspect: () => {
      counts.inspecting++;
      return () => void counts.inspecting--;
    },
  };
  return { source, counts };
}

describe('serveDashboard', () => {
  it('streams snapshots and inspection events over SSE', async () => {
    const runtime = await noteRuntime();
    const dashboard = await serveDashboard(runtime, { port: 0, interval: 50 });
    try {
      const stream = await openEvents(new URL('events', dashboard.url).href);
      const [name, data] = await stream.next();
      assert.equal(name, 'snapshot');
      const first = JSON.parse(data) as DashboardSnapshot;
      assert.deepEqual(
        first.kernels.map((kernel) => kernel.kernelId),
        ['notes', 'archive'],
      );
      assert.deepEqual(first.routes, [{ from: 'notes', to: ['archive'], strategy: 'roundRobin' }]);
      // Connected: the dashboard inspects the runtime now, so this note shows up in the event stream.
      await runtime.send('notes', Note.create({ text: 'hello' }));
      const events: [string, string][] = [];
      const sawArchive = () =>
        events.some(([event, payload]) => event === 'inspection' && payload.includes('"archive"'));
      // Bounded: a regression fails here instead of reading snapshots forever.
      for (let read = 0; read < 200 && !sawArchive(); read++) {
        events.push(await stream.next());
      }
      assert.ok(sawArchive(), 'the inspection of the archive kernel arrived within 200 events');
      stream.close();
      const inspections = events
        .filter(([name]) => name === 'inspection')
        .flatMap(([, data]) => JSON.parse(data) as { type: string; kernelId: string; text: string }[]);
      assert.ok(
        inspections.some((event) => event.type === 'received' && event.text.includes('DashboardNote')),
      );
    } finally {
      await dashboard.close();
      await runtime.terminateAll();
    }
  });

  it('serves the page with a CSP nonce, /api/snapshot and /metrics', async () => {
    const runtime = await noteRuntime();
    await runtime.send('notes', Note.create({ text: 'one' }));
    const dashboard = await serveDashboard(runtime, { port: 0 });
    try {
      const page = await fetch(dashboard.url);
      const csp = page.headers.get('content-security-policy') ?? '';
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
      assert.ok(nonce !== undefined);
      assert.ok((await page.text()).includes(`<script nonce="${nonce}">`));
      const snapshot = (await (
        await fetch(new URL('api/snapshot', dashboard.url))
      ).json()) as DashboardSnapshot;
      assert.equal(snapshot.kernels.find((kernel) => kernel.kernelId === 'notes')?.messagesReceived, 1);
      const metrics = await fetch(new URL('metrics', dashboard.url));
      assert.match(await metrics.text(), /^ringkernel_messages_received_total\{kernel="notes"\} 1$/m);
      assert.equal((await fetch(new URL('nope', dashboard.url))).status, 404);
    } finally {
      await dashboard.close();
      await runtime.terminateAll();
    }
  });

  it('binds to loopback by default and refuses non-loopback hosts without a token', async () => {
    const runtime = new RingKernelRuntime();
    const dashboard = await serveDashboard(runtime, { port: 0 });
    try {
      assert.match(dashboard.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      // DNS rebinding: a loopback server answers only to loopback host names.
      assert.equal(await getWithHost(dashboard.url, 'attacker.example'), 403);
      assert.equal(await getWithHost(dashboard.url, `localhost:${dashboard.port}`), 200);
    } finally {
      await dashboard.close();
    }
    for (const allowedHosts of [['a:80'], ['a.example/x'], [''], 'a.example']) {
      await assert.rejects(
        serveDashboard(runtime, { port: 0, allowedHosts: allowedHosts as string[] }),
        InvalidArgumentError,
      );
    }
    await assert.rejects(serveDashboard(runtime, { host: '0.0.0.0', port: 0 }), InsecureBindingError);
    await assert.rejects(serveDashboard(runtime, { host: '192.168.1.10', port: 0 }), InsecureBindingError);
    await assert.rejects(serveDashboard(runtime, { port: 0, token: 'short' }), InvalidArgumentError);
  });

  it('parses Host strictly: loopback names with an optional port and configured hosts, nothing else', async () => {
    const runtime = new RingKernelRuntime();
    const dashboard = await serveDashboard(runtime, { port: 0, allowedHosts: ['Dash.Internal'] });
    try {
      for (const host of [...ACCEPTED_HOSTS(dashboard.port), 'dash.internal', 'dash.internal:8080']) {
        assert.equal(await getWithHost(dashboard.url, host), 200, `Host: ${host}`);
      }
      for (const host of REFUSED_HOSTS) {
        assert.equal(await getWithHost(dashboard.url, host), 403, `Host: ${host}`);
      }
    } finally {
      await dashboard.close();
    }
  });

  it('serves at most maxClients event streams (503 beyond) and frees a slot when a client leaves', async () => {
    const runtime = await noteRuntime();
    const dashboard = await serveDashboard(runtime, { port: 0, interval: 50, maxClients: 2 });
    try {
      const events = new URL('events', dashboard.url).href;
      const first = await openEvents(events);
      const second = await openEvents(events);
      assert.equal(dashboard.clients, 2);
      const refused = await fetch(events);
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '5');
      assert.match(await refused.text(), /too many dashboard pages open \(the limit is 2\)/);
      assert.equal((await fetch(new URL('api/snapshot', dashboard.url))).status, 200, 'only streams count');
      first.close();
      await pollUntil(() => dashboard.clients === 1, 'the server to forget the closed stream');
      const third = await openEvents(events);
      assert.equal((await third.next())[0], 'snapshot');
      second.close();
      third.close();
      await pollUntil(() => dashboard.clients === 0, 'the server to forget every stream');
    } finally {
      await dashboard.close();
      await runtime.terminateAll();
    }
    await assert.rejects(serveDashboard(runtime, { port: 0, maxClients: 0 }), InvalidArgumentError);
    await assert.rejects(
      serveDashboard(runtime, { port: 0, maxClientBufferBytes: 1.5 }),
      InvalidArgumentError,
    );
  });

  it('disconnects a client that never reads once its unsent backlog passes maxClientBufferBytes', async () => {
    const { source, counts } = bulkySource(256 * 1024);
    const limit = 64 * 1024;
    let slow: (event: SlowClientEvent) => void = () => undefined;
    const disconnected = new Promise<SlowClientEvent>((resolve) => (slow = resolve));
    const dashboard = await serveDashboard(source, {
      port: 0,
      interval: 20,
      maxClientBufferBytes: limit,
      onSlowClient: (event) => slow(event),
    });
    const socket = connect(dashboard.port, '127.0.0.1');
    socket.on('error', () => undefined); // a reset is one way to learn of the disconnection
    try {
      await once(socket, 'connect');
      // Reads nothing: the kernel's socket buffers fill up, then the server's.
      socket.pause();
      socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${dashboard.port}\r\n\r\n`);
      const event = await within(disconnected, 'the slow client to be disconnected');
      assert.equal(event.limit, limit);
      assert.ok(event.bufferedBytes > limit, `${event.bufferedBytes} bytes were waiting`);
      assert.equal(event.remoteAddress, '127.0.0.1');
      assert.equal(dashboard.clients, 0, 'the client is forgotten');
      assert.equal(counts.inspecting, 0, 'with no client left, the dashboard stops inspecting');
      const closed = once(socket, 'close');
      socket.resume();
      await within(closed, 'the client to see its connection end');
    } finally {
      socket.destroy();
      await dashboard.close();
    }
  });

  it('with a token, every request needs it', async () => {
    const runtime = new RingKernelRuntime();
    const token = 'dashboard-secret-0123456789';
    const dashboard = await serveDashboard(runtime, { host: '0.0.0.0', port: 0, token });
    try {
      assert.ok(dashboard.url.endsWith(`/?token=${token}`));
      const local = `http://127.0.0.1:${dashboard.port}/`;
      for (const path of ['', 'events', 'api/snapshot', 'metrics']) {
        assert.equal((await fetch(local + path)).status, 401, path);
      }
      assert.equal((await fetch(`${local}api/snapshot?token=${token}`)).status, 200);
      assert.equal(
        (await fetch(`${local}api/snapshot`, { headers: { authorization: `Bearer ${token}` } })).status,
        200,
      );
      assert.equal((await fetch(`${local}?token=${token}x`)).status, 401);
    } finally {
      await dashboard.close();
    }
  });

  it('builds snapshots without routes when the runtime has none', () => {
    const snapshot = dashboardSnapshot({
      kernelIds: [],
      getTelemetry: () => {
        throw new Error('no kernels');
      },
      getSummary: () => new RingKernelRuntime().getSummary(),
    });
    assert.equal(snapshot.routes, undefined);
    assert.deepEqual(snapshot.kernels, []);
  });
});
