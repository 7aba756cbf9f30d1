export { serveDashboard, type DashboardOptions } from './serve-dashboard-node.js';
export {
  dashboardSnapshot,
  toDashboardEvent,
  type DashboardEvent,
  type DashboardRoute,
  type DashboardSnapshot,
} from './snapshot.js';
export { dashboardPage } from './page.js';
export { InsecureBindingError } from '../telemetry/exporters/errors.js';
export type { HttpEndpoint } from '../telemetry/exporters/http-node.js';
