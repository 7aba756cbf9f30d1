/**
 * CLI usage errors exit 2 and name the command-line flags (not the API options behind them); the
 * top-level help lists every flag of every command. In process (runCli with captured streams):
 * each case is refused before anything starts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchUsage } from '../../src/bench/command-node.js';
import type { CliIO } from '../../src/cli/index.js';
import { runCli, usage } from '../../src/cli/index.js';
import { dashboardUsage } from '../../src/cli/dashboard-command.js';
import { demoUsage } from '../../src/cli/demo-command.js';
import { devicesUsage } from '../../src/cli/devices-command.js';

async function cli(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { isTTY: false, write: (text: string) => (stderr += text) },
    env,
    untilStopped: () => Promise.reject(new Error('a usage error must stop before serving')),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** The first line of stderr: the error (the usage text follows it). */
const firstLine = (text: string): string => text.split('\n')[0]!;

describe('ringkernel usage errors', () => {
  it('a short --token is a usage error (exit 2) that names --token', async () => {
    for (const command of ['dashboard', 'demo']) {
      const args = command === 'demo' ? ['demo', '--dashboard', '0'] : ['dashboard', '--port', '0'];
      const result = await cli([...args, '--token', 'short']);
      assert.equal(result.code, 2, result.stderr);
      assert.match(firstLine(result.stderr), /--token must be at least 16 characters \(got 5\)/);
    }
  });

  it('a short RINGKERNEL_DASHBOARD_TOKEN is a usage error that names the variable', async () => {
    const result = await cli(['dashboard', '--port', '0'], { RINGKERNEL_DASHBOARD_TOKEN: 'tiny' });
    assert.equal(result.code, 2, result.stderr);
    assert.match(firstLine(result.stderr), /RINGKERNEL_DASHBOARD_TOKEN must be at least 16 characters/);
  });

  it('a non-loopback --host without a token says to add --token, not `{ token }`', async () => {
    for (const args of [
      ['dashboard', '--host', '0.0.0.0', '--port', '0'],
      ['demo', '--dashboard', '0', '--host', '0.0.0.0'],
    ]) {
      const result = await cli(args);
      assert.equal(result.code, 2, result.stderr);
      assert.match(firstLine(result.stderr), /--host 0\.0\.0\.0 .*add --token <secret>/);
      assert.doesNotMatch(result.stderr, /\{ token \}/);
    }
  });

  it('demo --host or --token without --dashboard is a usage error', async () => {
    const result = await cli(['demo', '--token', 'a-long-enough-secret-token']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(firstLine(result.stderr), /--host and --token apply to the dashboard: add --dashboard/);
  });

  it('dashboard --program naming a missing file is a usage error', async () => {
    const result = await cli(['dashboard', '--port', '0', '--program', 'no/such/program.js']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(firstLine(result.stderr), /--program no\/such\/program\.js: no such file/);
  });

  it('the top-level help lists every flag of every command', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.equal(help.stdout, `${usage}\n`);
    const flagsOf = (text: string): Set<string> => new Set(text.match(/--[a-z][a-z-]*/g) ?? []);
    const listed = flagsOf(usage);
    for (const [command, text] of [
      ['demo', demoUsage],
      ['dashboard', dashboardUsage],
      ['devices', devicesUsage],
      ['bench', benchUsage('ringkernel bench')],
    ] as const) {
      for (const flag of flagsOf(text))
        assert.ok(listed.has(flag), `'ringkernel --help' does not list ${command}'s ${flag}`);
    }
  });
});
