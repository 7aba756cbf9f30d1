/**
 * `npm run example:browser`: builds the demo and serves it on http://localhost (a secure context,
 * as WebGPU needs) with the cross-origin isolation headers (COOP same-origin, COEP require-corp) so
 * Web Worker kernels get SharedArrayBuffer rings. Options: `--port N` (default 8080),
 * `--not-isolated` (serve without the headers: Web Workers fall back to postMessage).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveStatic } from '../../src/browser/static-server-node.js';
import { buildDemo } from './build.js';

const usage = `Usage: npm run example:browser -- [--port N] [--not-isolated] [--help]
  --port N          port on localhost (default 8080)
  --not-isolated    serve without COOP/COEP: Web Worker kernels fall back to postMessage
  --help            this text`;
const args = process.argv.slice(2);
let port = 8080;
let isolated = true;
for (let index = 0; index < args.length; index++) {
  const argument = args[index]!;
  if (argument === '--help' || argument === '-h') {
    console.log(usage);
    process.exit(0);
  } else if (argument === '--not-isolated') isolated = false;
  else if (argument === '--port' && /^\d+$/.test(args[index + 1] ?? '')) port = Number(args[++index]);
  else {
    console.error(
      `${argument.startsWith('-') ? `unknown option '${argument}'` : `unexpected argument '${argument}'`}; see --help`,
    );
    process.exit(2);
  }
}
const dir = await mkdtemp(join(tmpdir(), 'ringkernel-demo-'));
await buildDemo(dir);
const server = await serveStatic(dir, { isolated, port });
console.log(
  `ringkernel browser demo: ${server.url} (${isolated ? 'cross-origin isolated' : 'not isolated'})`,
);
console.log('Open it in Chrome or Edge (WebGPU); Ctrl+C stops the server.');
const close = () => void server.close().then(() => process.exit(0));
process.on('SIGINT', close);
process.on('SIGTERM', close);
