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

const args = process.argv.slice(2);
const portIndex = args.indexOf('--port');
const port = portIndex === -1 ? 8080 : Number(args[portIndex + 1]);
const isolated = !args.includes('--not-isolated');
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
