import { request } from 'node:http';

/**
 * The status of a GET of `path` on the server at `url`, sent with the given Host header (fetch
 * does not let one set it); `undefined` sends no Host header at all.
 */
export function getWithHost(url: string, host: string | undefined, path = '/'): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        path,
        setHost: false,
        headers: host === undefined ? {} : { host },
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Host headers a tokenless loopback server on `port` must answer. */
export const ACCEPTED_HOSTS = (port: number): string[] => [
  'localhost',
  `localhost:${port}`,
  `LocalHost:${port}`,
  '127.0.0.1',
  `127.0.0.1:${port}`,
  '[::1]',
  `[::1]:${port}`,
];

/** Host headers it must refuse (DNS rebinding names and malformed values). */
export const REFUSED_HOSTS: readonly string[] = [
  'attacker.example',
  'attacker.example:80',
  '[::1]evil.com',
  '[::1]:80evil.com',
  '[::1].evil.com',
  '[::1',
  'localhost.attacker.example',
  'localhost:80@attacker.example',
  '127.0.0.1.nip.io',
  '127.0.0.2',
  'localhost:99999',
  'localhost:',
  '',
];
