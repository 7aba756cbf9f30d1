// Node adapters (node:http): exported from the `ringkernel/node` entry.
export { serveDashboard, type DashboardOptions } from './serve-dashboard-node.js';
export {
  dashboardSnapshot,
  toDashboardEvent,
  type DashboardEvent,
  type DashboardRoute,
  type DashboardSnapshot,
} from './snapshot.js';
export { dashboardPage } from './page.js';
export { serveMetrics, type ServeMetricsOptions } from '../telemetry/exporters/serve-metrics-node.js';
export {
  isLoopbackHost,
  type HttpEndpoint,
  type HttpServeOptions,
} from '../telemetry/exporters/http-node.js';
