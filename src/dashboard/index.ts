// Node adapters (node:http): exported from the `ringkernel/node` entry.
export {
  DEFAULT_MAX_CLIENT_BUFFER_BYTES,
  DEFAULT_MAX_DASHBOARD_CLIENTS,
  serveDashboard,
  type DashboardEndpoint,
  type DashboardOptions,
  type SlowClientEvent,
} from './serve-dashboard-node.js';
export {
  dashboardSnapshot,
  toDashboardEvent,
  type DashboardClusterMember,
  type DashboardClusterSnapshot,
  type DashboardClusterSource,
  type DashboardClusterStatus,
  type DashboardEvent,
  type DashboardRoute,
  type DashboardSnapshot,
} from './snapshot.js';
export { dashboardPage } from './page.js';
export { serveMetrics, type ServeMetricsOptions } from '../telemetry/exporters/serve-metrics-node.js';
export {
  hostOfHeader,
  isLoopbackHost,
  type HttpEndpoint,
  type HttpServeOptions,
} from '../telemetry/exporters/http-node.js';
