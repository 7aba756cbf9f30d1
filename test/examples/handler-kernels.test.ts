import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

test('the handler-kernels example (the README sample) runs and counts every post', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/handler-kernels/main.ts'], {
    cwd: root,
  });
  assert.match(stdout, /total 100000 after 100,000 posts/);
  assert.match(stdout, /counter stopped at 100000/);
});
