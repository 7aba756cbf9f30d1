/**
 * A small static file server for browser pages (the demo, the browser tests and benchmarks). It
 * serves on `http://localhost` (a secure context, as `navigator.gpu` requires) and, when
 * `isolated`, sends the two headers that make a page cross-origin isolated so that
 * SharedArrayBuffer exists: `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Options of {@link serveStatic}. */
export interface StaticServerOptions {
  /** Send COOP `same-origin` and COEP `require-corp` (default true). */
  readonly isolated?: boolean;
  /** Port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Extra routes answered before files: path → handler. */
  readonly routes?: Readonly<Record<string, () => { type: string; body: string }>>;
}

/** A running static server. */
export interface StaticServer {
  /** `http://localhost:<port>/` */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the files under `directory`; `/` serves `index.html`. */
export async function serveStatic(
  directory: string,
  options: StaticServerOptions = {},
): Promise<StaticServer> {
  const base = normalize(directory + sep);
  const isolated = options.isolated ?? true;
  const server: Server = createServer((request, response) => {
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (path === '/favicon.ico' && options.routes?.[path] === undefined) {
      response.writeHead(204, headers).end();
      return;
    }
    const route = options.routes?.[path];
    if (route !== undefined) {
      const { type, body } = route();
      response.writeHead(200, { ...headers, 'Content-Type': type });
      response.end(body);
      return;
    }
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(base)) {
      response.writeHead(403, headers).end('forbidden');
      return;
    }
    stat(file).then(
      (info) => {
        if (!info.isFile()) {
          response.writeHead(404, headers).end('not found');
          return;
        }
        response.writeHead(200, {
          ...headers,
          'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
          'Content-Length': String(info.size),
        });
        createReadStream(file).pipe(response);
      },
      () => response.writeHead(404, headers).end('not found'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://localhost:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
