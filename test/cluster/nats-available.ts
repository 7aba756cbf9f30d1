import { findNatsServer } from '../../src/cluster.js';

/**
 * `skip` option of the cluster tests: a reason when nats-server is missing outside CI; in CI
 * (CI=true) a missing server fails the tests instead of skipping them.
 */
export function natsSkipReason(): string | false {
  if (findNatsServer() !== undefined || process.env.CI === 'true') return false;
  return 'nats-server is not installed (apt-get install nats-server)';
}
