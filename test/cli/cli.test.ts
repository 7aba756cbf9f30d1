import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { buildCli, buildRoot, builtMain, runBuilt, startBuilt } from './built-cli.js';

describe('ringkernel (built binary)', () => {
  before(buildCli, { timeout: 120_000 });

  it('starts with a shebang so npm can link it as the bin', async () => {
    const text = await readFile(builtMain, 'utf8');
    assert.ok(text.startsWith('#!/usr/bin/env node\n'));
  });

  it('prints help with exit 0 and the version', async () => {
    const help = await runBuilt(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['demo', 'bench', 'devices', 'dashboard'])
      assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
    const version = await runBuilt(['--version']);
    assert.equal(version.code, 0);
    const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    assert.equal(version.stdout.trim(), manifest.version);
    const demoHelp = await runBuilt(['demo', '--help']);
    assert.equal(demoHelp.code, 0);
    assert.match(demoHelp.stdout, /--backend/);
  });

  it('answers usage errors with the usage text and exit 2', async () => {
    const none = await runBuilt([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: ringkernel <command>/);
    const unknownCommand = await runBuilt(['frobnicate']);
    assert.equal(unknownCommand.code, 2);
    assert.match(unknownCommand.stderr, /unknown command 'frobnicate'/);
    const badFlag = await runBuilt(['demo', '--no-such-flag']);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /--no-such-flag/);
    assert.match(badFlag.stderr, /Usage: ringkernel demo/);
    const badBackend = await runBuilt(['demo', '--backend', 'quantum']);
    assert.equal(badBackend.code, 2);
    assert.match(badBackend.stderr, /--backend must be cpu, webgpu or auto/);
    const badPort = await runBuilt(['dashboard', '--port', 'eighty']);
    assert.equal(badPort.code, 2);
    const badBench = await runBuilt(['bench', '--frobnicate']);
    assert.equal(badBench.code, 2);
    for (const result of [unknownCommand, badFlag, badBackend, badPort, badBench]) {
      assert.doesNotMatch(result.stderr, /^\s+at .*:\d+:\d+\)?$/m, 'no stack traces without --verbose');
    }
  });

  it('refuses a non-loopback dashboard without a token (exit 2, no stack)', async () => {
    const result = await runBuilt(['dashboard', '--host', '0.0.0.0', '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--host 0\.0\.0\.0 is reachable from other machines: add --token <secret>/);
    assert.doesNotMatch(result.stderr, /^\s+at .*:\d+:\d+\)?$/m);
  });

  it('runs the demo and reports every kernel as JSON', async () => {
    const result = await runBuilt(['demo', '--readings', '2000', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      backend: string;
      calculations: string[];
      count: number;
      readings: number;
      kernels: { kernelId: string; state: string; messagesReceived: number; messagesProcessed: number }[];
      summary: { kernelCount: number; messagesProcessed: number };
    };
    assert.equal(report.backend, 'cpu');
    assert.deepEqual(report.calculations, [
      '10 add 5 = 15',
      '10 sub 5 = 5',
      '6 mul 7 = 42',
      '1 div 0 = error DIVIDE_BY_ZERO',
    ]);
    assert.equal(report.count, 3);
    assert.equal(report.readings, 2000);
    assert.deepEqual(
      report.kernels.map((kernel) => kernel.kernelId),
      ['calculator', 'counter', 'ingest', 'calibrate', 'aggregate'],
    );
    const ingest = report.kernels.find((kernel) => kernel.kernelId === 'ingest')!;
    assert.equal(ingest.messagesReceived, 2000);
    assert.equal(ingest.messagesProcessed, 2000);
    assert.ok(report.kernels.every((kernel) => kernel.state === 'active'));
    assert.equal(report.summary.kernelCount, 5);
  });

  it('prints the demo summary table', async () => {
    const result = await runBuilt(['demo', '--readings', '500']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^kernel\s+state\s+received\s+processed\s+sent\s+dropped\s+errors\s+p50\s+p99\s+msgs\/s$/m,
    );
    assert.match(result.stdout, /^ingest\s+active\s+500\s+500\s+500\s/m);
    assert.match(result.stdout, /calculator: 10 add 5 = 15/);
  });

  it('lists devices as JSON with the CPU usable', async () => {
    const result = await runBuilt(['devices', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const { devices } = JSON.parse(result.stdout) as {
      devices: { backend: string; name: string; available: boolean; reason?: string; limits: object }[];
    };
    assert.ok(devices.length >= 2);
    const cpu = devices.find((device) => device.backend === 'cpu');
    assert.equal(cpu?.available, true);
    assert.ok(devices.some((device) => device.backend === 'webgpu'));
    for (const device of devices) {
      assert.equal(typeof device.name, 'string');
      assert.equal(typeof device.limits, 'object');
      if (!device.available) assert.equal(typeof device.reason, 'string');
    }
  });

  it('serves the dashboard for the demo until SIGINT, then exits 0', async () => {
    const { child, match, exited } = await startBuilt(
      ['dashboard', '--port', '0'],
      /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\n/,
    );
    try {
      const url = match[1]!;
      const snapshot = (await (await fetch(new URL('api/snapshot', url))).json()) as {
        kernels: { kernelId: string }[];
      };
      assert.deepEqual(
        snapshot.kernels.map((kernel) => kernel.kernelId),
        ['calculator', 'counter', 'ingest', 'calibrate', 'aggregate'],
      );
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<title>ringkernel dashboard<\/title>/);
      const metrics = await (await fetch(new URL('metrics', url))).text();
      assert.match(metrics, /^ringkernel_messages_processed_total\{kernel="ingest"\} \d+$/m);
    } finally {
      child.kill('SIGINT');
    }
    const result = await exited;
    assert.equal(result.code, 0, result.stderr);
  });

  it("serves the dashboard for a user's program given with --program", async () => {
    const program = `${buildRoot}user-program.mjs`;
    await writeFile(
      program,
      [
        "import { defineMessage, ringKernel } from './dist/index.js';",
        "const Ping = defineMessage('UserPing', {});",
        'export default async function (runtime, signal) {',
        "  await runtime.launch('user-echo', ringKernel({}, async (ctx) => { for await (const m of ctx) await ctx.send(Ping.reply(m, {})); }));",
        "  await runtime.activate('user-echo');",
        '  for (let n = 0; n < 5; n++) {',
        "    await runtime.request('user-echo', Ping.create({}));",
        '  }',
        "  signal.addEventListener('abort', () => undefined);",
        '}',
      ].join('\n'),
    );
    const { child, match, exited } = await startBuilt(
      ['dashboard', '--program', program, '--port', '0'],
      /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\n/,
    );
    try {
      const url = match[1]!;
      let processed = 0;
      // The program runs beside the server: poll the snapshot until its five requests are in.
      for (let attempt = 0; attempt < 200 && processed < 5; attempt++) {
        const snapshot = (await (await fetch(new URL('api/snapshot', url))).json()) as {
          kernels: { kernelId: string; messagesProcessed: number }[];
        };
        processed =
          snapshot.kernels.find((kernel) => kernel.kernelId === 'user-echo')?.messagesProcessed ?? 0;
        if (processed < 5) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.equal(processed, 5);
    } finally {
      child.kill('SIGINT');
    }
    const result = await exited;
    assert.equal(result.code, 0, result.stderr);
    const bad = await runBuilt(['dashboard', '--program', `${buildRoot}package.json`, '--port', '0']);
    assert.notEqual(bad.code, 0);
  });

  it('runs a bench suite with --quick and writes --json', async () => {
    const path = new URL('../../test-artifacts/cli-build/bench.json', import.meta.url);
    const result = await runBuilt(['bench', 'telemetry', '--quick', '--json', path.pathname]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^name\s+value\s+unit/m);
    const written = JSON.parse(await readFile(path, 'utf8')) as {
      machine: object;
      results: { name: string }[];
    };
    assert.ok(written.results.length > 0);
    assert.ok(written.results.every((entry) => entry.name.startsWith('telemetry.')));
    const unknown = await runBuilt(['bench', 'no-such-suite', '--quick']);
    assert.equal(unknown.code, 2);
  });

  it('exits 1 on a failure, with the stack trace only under --verbose', async () => {
    const args = [
      'bench',
      'telemetry',
      '--quick',
      '--json',
      new URL('../../test-artifacts/cli-build/package.json/bench.json', import.meta.url).pathname,
    ];
    const plain = await runBuilt(args);
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /benchmark failed/);
    assert.doesNotMatch(plain.stderr, /^\s+at .*:\d+:\d+\)?$/m);
    const verbose = await runBuilt([...args, '--verbose']);
    assert.equal(verbose.code, 1);
    assert.match(verbose.stderr, /^\s+at .*:\d+:\d+\)?$/m);
  });
});
