import { parseArgs } from 'node:util';
import {
  connectCluster,
  type ClusterLink,
  type ClusterMember,
  type StreamSummary,
} from '../cluster/index.js';
import { MessageRegistry } from '../messages/registry.js';
import { RingKernelRuntime } from '../runtime/runtime.js';
import type { CliIO } from './cli-io.js';
import { CliUsageError } from './errors.js';
import { formatBytes, formatTable } from './table.js';

export const clusterUsage = `Usage: ringkernel cluster <status|members|streams> [--servers URL] [--cluster NAME] [--creds FILE] [--json]

Looks at a cluster of runtimes linked over NATS (ringkernel/cluster) without joining it.

  status      the server, the members and the durable streams, in short
  members     the runtimes in the cluster: node, host, pid, what each serves, last heartbeat
  streams     the durable kernels' work-queue streams: messages waiting, bytes, unacked, redelivered

  --servers   NATS server URL(s), comma-separated (default nats://127.0.0.1:4222 or $NATS_URL)
  --cluster   the cluster name (default 'default')
  --creds     a NATS credentials file (never printed)
  --json      print JSON
  --help      this text`;

/** `ringkernel cluster`: members and streams of a cluster, seen by an observer link. */
export async function clusterCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      servers: { type: 'string', default: io.env.NATS_URL ?? 'nats://127.0.0.1:4222' },
      cluster: { type: 'string', default: 'default' },
      creds: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(`${clusterUsage}\n`);
    return 0;
  }
  const action = positionals[0] ?? 'status';
  if (!['status', 'members', 'streams'].includes(action) || positionals.length > 1) {
    throw new CliUsageError(`unknown cluster action '${positionals.join(' ')}'`, 'cluster');
  }
  const runtime = new RingKernelRuntime();
  const link = await connectCluster(runtime, {
    servers: values.servers.split(','),
    node: `cli-${process.pid}`,
    cluster: values.cluster,
    registry: new MessageRegistry(),
    credentials: values.creds,
    observer: true,
    connection: { maxReconnectAttempts: 0 },
  });
  try {
    const members = link.members();
    const streams = action === 'members' ? [] : await link.streams();
    if (values.json) {
      const status = link.status();
      const report =
        action === 'members'
          ? { members }
          : action === 'streams'
            ? { streams }
            : { cluster: status.cluster, server: status.server, members, streams };
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    if (action === 'status') io.stdout.write(`${formatStatus(link, members, streams)}\n`);
    if (action === 'members') io.stdout.write(`${formatMembers(members)}\n`);
    if (action === 'streams') io.stdout.write(`${formatStreams(streams)}\n`);
    return 0;
  } finally {
    await link.close();
  }
}

function formatStatus(
  link: ClusterLink,
  members: readonly ClusterMember[],
  streams: readonly StreamSummary[],
): string {
  const status = link.status();
  const waiting = streams.reduce((sum, stream) => sum + stream.messages, 0);
  return [
    `cluster '${status.cluster}' on ${status.server ?? '?'}: ${members.length} member(s), ${streams.length} durable stream(s), ${waiting} stream message(s) waiting`,
    '',
    formatMembers(members),
    ...(streams.length === 0 ? [] : ['', formatStreams(streams)]),
  ].join('\n');
}

function formatMembers(members: readonly ClusterMember[]): string {
  if (members.length === 0) return 'no members';
  const now = Date.now();
  return formatTable(
    ['node', 'host', 'pid', 'serves', 'last heartbeat'],
    members.map((member) => [
      member.node,
      member.host,
      String(member.pid),
      Object.entries(member.kernels)
        .map(([id, mode]) => `${id} (${mode})`)
        .join(', ') || '-',
      `${Math.max(0, now - member.heartbeatAt)} ms ago`,
    ]),
    ['left', 'left', 'right', 'left', 'right'],
  );
}

function formatStreams(streams: readonly StreamSummary[]): string {
  if (streams.length === 0) return 'no durable streams';
  return formatTable(
    ['stream', 'kernel', 'messages', 'bytes', 'unacked', 'redelivered'],
    streams.map((stream) => [
      stream.stream,
      stream.kernelId,
      String(stream.messages),
      formatBytes(stream.bytes),
      String(stream.ackPending),
      String(stream.redelivered),
    ]),
    ['left', 'left', 'right', 'right', 'right', 'right'],
  );
}
