import { MemoryMirror, type MirrorPatch } from '../ring/memory-mirror.js';
import { RingChannel } from '../ring/ring-channel.js';
import { SpscByteRing } from '../ring/spsc-byte-ring.js';
import type { WorkerBootData } from './protocol.js';

/** The envelope of a mirror patch among a Web Worker's messages. */
export interface MirrorEnvelope {
  readonly ringkernelMirror: MirrorPatch;
}

export function isMirrorEnvelope(value: unknown): value is MirrorEnvelope {
  return typeof value === 'object' && value !== null && 'ringkernelMirror' in value;
}

/**
 * The mirror of a worker kernel's memory (its channel's two rings and control words, the telemetry
 * ring, the reply ring), listed in the same order on both threads.
 */
export function bootMirror(boot: WorkerBootData, send: (envelope: MirrorEnvelope) => void): MemoryMirror {
  const channel = RingChannel.attach(boot.channel, 'host');
  return new MemoryMirror(
    [
      channel.outgoing,
      channel.incoming,
      SpscByteRing.attach(boot.telemetryRing),
      SpscByteRing.attach(boot.replyRing),
    ],
    [channel.control],
    (patch) => send({ ringkernelMirror: patch }),
  );
}
