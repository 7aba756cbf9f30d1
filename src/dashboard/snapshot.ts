import { definitionOf } from '../messages/wire.js';
import type { Message } from '../messages/types.js';
import type { InspectionEvent } from '../runtime/inspect.js';
import type { KernelTelemetrySnapshot, TelemetrySummary } from '../telemetry/kernel-telemetry.js';
import { snapshotKernels, type MetricsSource } from '../telemetry/exporters/metrics-source.js';

/** A route as the dashboard draws it. */
export interface DashboardRoute {
  readonly from: string;
  readonly to: readonly string[];
  readonly strategy: string | undefined;
}

/** One runtime of a cluster as the dashboard lists it. */
export interface DashboardClusterMember {
  readonly node: string;
  readonly host: string;
  /** Kernel id → delivery mode (`direct`, `durable`). */
  readonly kernels: Readonly<Record<string, string>>;
  /** `Date.now()` when its last heartbeat arrived. */
  readonly lastSeen: number;
}

/** The link's health as the dashboard shows it. */
export interface DashboardClusterStatus {
  readonly node: string;
  readonly cluster: string;
  readonly connected: boolean;
  readonly server: string | undefined;
  readonly reconnects: number;
}

/**
 * A cluster link the dashboard can show (remote kernels, link health); `ringkernel/cluster`'s
 * `ClusterLink` is one. Typed by shape so that the dashboard does not depend on the cluster code.
 */
export interface DashboardClusterSource {
  /** The link's health now (connection, counters). */
  status(): DashboardClusterStatus;
  /** The runtimes in the cluster and the kernels each serves. */
  members(): readonly DashboardClusterMember[];
}

/** The cluster part of a snapshot. */
export interface DashboardClusterSnapshot {
  readonly status: DashboardClusterStatus;
  readonly members: readonly DashboardClusterMember[];
}

/** What the dashboard shows at one instant; sent to the page as JSON over the event stream. */
export interface DashboardSnapshot {
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly summary: TelemetrySummary;
  readonly kernels: readonly KernelTelemetrySnapshot[];
  /** Routes between kernels; absent when the runtime has no routing. */
  readonly routes: readonly DashboardRoute[] | undefined;
  /** The runtime's cluster link, when the dashboard was given one. */
  readonly cluster?: DashboardClusterSnapshot | undefined;
}

/**
 * Reads everything the dashboard shows from a runtime.
 *
 * @example
 * ```ts
 * const snapshot = dashboardSnapshot(runtime);
 * console.log(snapshot.kernels.map((kernel) => `${kernel.kernelId}: ${kernel.messagesProcessed}`));
 * ```
 */
export function dashboardSnapshot(
  source: MetricsSource,
  now: number = Date.now(),
  cluster?: DashboardClusterSource,
): DashboardSnapshot {
  const routes = source.routes;
  return {
    ...(cluster === undefined ? {} : { cluster: clusterSnapshot(cluster) }),
    time: now,
    summary: source.getSummary(),
    kernels: snapshotKernels(source),
    routes:
      routes === undefined
        ? undefined
        : routes.map((route) => ({
            from: route.from,
            to: typeof route.to === 'string' ? [route.to] : [...route.to],
            strategy: route.strategy,
          })),
  };
}

function clusterSnapshot(cluster: DashboardClusterSource): DashboardClusterSnapshot {
  const { node, cluster: name, connected, server, reconnects } = cluster.status();
  return {
    status: { node, cluster: name, connected, server, reconnects },
    members: cluster.members().map(({ node: member, host, kernels, lastSeen }) => ({
      node: member,
      host,
      kernels,
      lastSeen,
    })),
  };
}

/** An inspection event reduced to what the page shows: JSON-safe, no message payloads. */
export interface DashboardEvent {
  readonly type: InspectionEvent['type'];
  readonly kernelId: string;
  /** Milliseconds since the epoch. */
  readonly time: number;
  /** One line describing the event. */
  readonly text: string;
}

function describeMessage(message: Message): string {
  const type = definitionOf(message)?.name ?? 'message';
  const id = typeof message.messageId === 'string' ? message.messageId.slice(0, 8) : '?';
  return `${type} ${id} (priority ${message.priority})`;
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${error.message}`;
  }
  return String(error);
}

/**
 * Turns an inspection event into a {@link DashboardEvent}. `timeOrigin` converts the event's
 * `performance.now()` time to epoch milliseconds.
 */
export function toDashboardEvent(
  event: InspectionEvent,
  timeOrigin: number = performance.timeOrigin,
): DashboardEvent {
  const base = { type: event.type, kernelId: event.kernelId, time: Math.round(timeOrigin + event.time) };
  switch (event.type) {
    case 'lifecycle':
      return { ...base, text: `${event.from ?? '(new)'} → ${event.to}` };
    case 'received':
      return { ...base, text: `received ${describeMessage(event.message)}` };
    case 'sent':
      return { ...base, text: `sent ${describeMessage(event.message)}${event.reply ? ' as a reply' : ''}` };
    case 'processed':
      return {
        ...base,
        text: `processed ${event.count} message${event.count === 1 ? '' : 's'}${
          event.elapsedMs === undefined ? '' : ` in ${formatMs(event.elapsedMs)}`
        }`,
      };
    case 'dropped':
      return {
        ...base,
        text: `dropped ${describeMessage(event.message)} from the ${event.queue} queue (${event.reason})`,
      };
    case 'rejected':
      return { ...base, text: `rejected ${describeMessage(event.message)} at the ${event.queue} queue` };
    case 'error':
      return {
        ...base,
        text: `${event.fatal ? 'crashed' : 'reported an error'}: ${describeError(event.error)}`,
      };
    case 'restart':
      return {
        ...base,
        text: event.escalated
          ? `gave up restarting (restart intensity exceeded): ${describeError(event.error)}`
          : `restart #${event.attempt ?? '?'} in ${event.delayMs ?? 0} ms after: ${describeError(event.error)}`,
      };
    case 'deadLetter':
      return {
        ...base,
        text: `dead-lettered ${describeMessage(event.message)} (${event.reason})${
          event.error === undefined ? '' : `: ${describeError(event.error)}`
        }`,
      };
    case 'terminated':
      return {
        ...base,
        text: `terminated ${event.graceful ? 'gracefully' : 'by force'}; left ${event.unprocessedInputs} input(s), ${event.undeliveredOutputs} output(s)`,
      };
  }
}

function formatMs(ms: number): string {
  return ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} µs`;
}
