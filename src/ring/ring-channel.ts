import { allocateRingMemory, isRingMemory, type RingMemory, type RingMemoryKind } from './memory.js';
import { InvalidArgumentError, describeValue } from '../errors.js';
import { ControlBlock } from './control-block.js';
import { RingLayoutError } from './errors.js';
import { CACHE_LINE_BYTES } from './layout.js';
import { SpscByteRing } from './spsc-byte-ring.js';

/** Which end of a {@link RingChannel} a thread holds. */
export type RingChannelSide = 'host' | 'worker';

/** Sizes of a {@link RingChannel}; every option has a documented default. */
export interface RingChannelOptions {
  /** Data bytes of the host → worker ring (power of two). Default: 65536. */
  readonly toWorkerCapacity?: number;
  /** Data bytes of the worker → host ring (power of two). Default: 65536. */
  readonly toHostCapacity?: number;
  /** Int32 words of the control block. Default: 16. */
  readonly controlWords?: number;
  /** `'shared'` (default): a SharedArrayBuffer; `'mirrored'`: an ArrayBuffer kept in step by a MemoryMirror. */
  readonly memory?: RingMemoryKind;
}

const CHANNEL_MAGIC = 0x524b4348; // "RKCH"
const CHANNEL_LAYOUT_VERSION = 1;
const MAGIC_WORD = 0;
const VERSION_WORD = 1;
const CONTROL_WORDS_WORD = 2;
const TO_WORKER_OFFSET_WORD = 3;
const TO_HOST_OFFSET_WORD = 4;
const DEFAULT_CAPACITY = 1 << 16;
const DEFAULT_CONTROL_WORDS = 16;

interface ChannelLayout {
  readonly controlWords: number;
  readonly controlOffset: number;
  readonly toWorkerOffset: number;
  readonly toHostOffset: number;
  readonly byteLength: number;
}

function planLayout(
  options: RingChannelOptions,
): ChannelLayout & { toWorkerCapacity: number; toHostCapacity: number } {
  const toWorkerCapacity = options.toWorkerCapacity ?? DEFAULT_CAPACITY;
  const toHostCapacity = options.toHostCapacity ?? DEFAULT_CAPACITY;
  const controlWords = options.controlWords ?? DEFAULT_CONTROL_WORDS;
  const controlOffset = CACHE_LINE_BYTES;
  const toWorkerOffset = controlOffset + ControlBlock.byteLengthFor(controlWords);
  const toHostOffset = toWorkerOffset + SpscByteRing.byteLengthFor(toWorkerCapacity);
  const byteLength = toHostOffset + SpscByteRing.byteLengthFor(toHostCapacity);
  return {
    controlWords,
    controlOffset,
    toWorkerOffset,
    toHostOffset,
    byteLength,
    toWorkerCapacity,
    toHostCapacity,
  };
}

/**
 * A duplex link between two threads in ONE SharedArrayBuffer: a host → worker ring, a worker →
 * host ring, and a control block for lifecycle words. Each side attaches with its own role, so
 * `incoming`/`outgoing` always read naturally; send only `buffer` across (e.g. in `workerData`).
 *
 * @example
 * ```ts
 * // host
 * const channel = RingChannel.allocate({ toWorkerCapacity: 1 << 20 });
 * const worker = new Worker(url, { workerData: channel.buffer });
 * channel.outgoing.tryWrite(frame);
 * channel.signal(STATE_WORD, TERMINATE); // store + wake the worker wherever it waits
 *
 * // worker
 * const channel = RingChannel.attach(workerData as SharedArrayBuffer, 'worker');
 * while (channel.control.load(STATE_WORD) !== TERMINATE) {
 *   if (channel.incoming.drain(handle) === 0) await channel.incoming.waitReadableAsync();
 * }
 * ```
 */
export class RingChannel {
  /** The shared memory to hand to the other thread. */
  readonly buffer: RingMemory;
  readonly side: RingChannelSide;
  /** The ring this side reads (consumer role). */
  readonly incoming: SpscByteRing;
  /** The ring this side writes (producer role). */
  readonly outgoing: SpscByteRing;
  /** Lifecycle and command words shared by both sides. */
  readonly control: ControlBlock;

  /** Bytes of shared memory a channel with `options` needs. */
  static byteLengthFor(options: RingChannelOptions = {}): number {
    return planLayout(options).byteLength;
  }

  /** Creates the shared memory for a channel and returns its host side. */
  static allocate(options: RingChannelOptions = {}): RingChannel {
    const layout = planLayout(options);
    const buffer = allocateRingMemory(layout.byteLength, options.memory);
    const header = new Int32Array(buffer, 0, CACHE_LINE_BYTES / 4);
    SpscByteRing.initialize(buffer, layout.toWorkerOffset, layout.toWorkerCapacity);
    SpscByteRing.initialize(buffer, layout.toHostOffset, layout.toHostCapacity);
    Atomics.store(header, CONTROL_WORDS_WORD, layout.controlWords);
    Atomics.store(header, TO_WORKER_OFFSET_WORD, layout.toWorkerOffset);
    Atomics.store(header, TO_HOST_OFFSET_WORD, layout.toHostOffset);
    Atomics.store(header, VERSION_WORD, CHANNEL_LAYOUT_VERSION);
    Atomics.store(header, MAGIC_WORD, CHANNEL_MAGIC);
    return new RingChannel(buffer, 'host');
  }

  /** Builds one side's views over a channel's shared memory, from any thread. */
  static attach(buffer: RingMemory, side: RingChannelSide): RingChannel {
    return new RingChannel(buffer, side);
  }

  private constructor(buffer: RingMemory, side: RingChannelSide) {
    if (side !== 'host' && side !== 'worker') {
      throw new InvalidArgumentError(`channel side must be 'host' or 'worker', got ${describeValue(side)}`);
    }
    if (!isRingMemory(buffer) || buffer.byteLength < CACHE_LINE_BYTES) {
      throw new InvalidArgumentError(
        `a ring channel lives in a SharedArrayBuffer, got ${describeValue(buffer)}`,
      );
    }
    const header = new Int32Array(buffer, 0, CACHE_LINE_BYTES / 4);
    if (Atomics.load(header, MAGIC_WORD) !== CHANNEL_MAGIC) {
      throw new RingLayoutError(
        'this SharedArrayBuffer holds no ring channel; pass RingChannel.allocate(...).buffer',
      );
    }
    if (Atomics.load(header, VERSION_WORD) !== CHANNEL_LAYOUT_VERSION) {
      throw new RingLayoutError(
        `ring channel layout version ${Atomics.load(header, VERSION_WORD)} is not supported ` +
          `(expected ${CHANNEL_LAYOUT_VERSION}); make both threads load the same ringkernel version`,
      );
    }
    const toWorker = SpscByteRing.attach(buffer, Atomics.load(header, TO_WORKER_OFFSET_WORD));
    const toHost = SpscByteRing.attach(buffer, Atomics.load(header, TO_HOST_OFFSET_WORD));
    this.buffer = buffer;
    this.side = side;
    this.control = ControlBlock.attach(buffer, CACHE_LINE_BYTES, Atomics.load(header, CONTROL_WORDS_WORD));
    this.incoming = side === 'host' ? toHost : toWorker;
    this.outgoing = side === 'host' ? toWorker : toHost;
  }

  /**
   * Wakes the other side wherever it waits on this channel (reading `incoming`, or waiting for
   * room in `outgoing`); its wait returns `interrupted` and it should recheck the control block.
   */
  wakePeer(): void {
    this.outgoing.interruptConsumer();
    this.incoming.interruptProducer();
  }

  /** Stores a control word, then wakes the peer so it notices even while it sleeps on a ring. */
  signal(word: number, value: number): void {
    this.control.store(word, value);
    this.wakePeer();
  }
}
