import { CACHE_LINE_BYTES, RING_HEADER_BYTES, TAIL_WORD } from './layout.js';
import type { RingMemory } from './memory.js';
import { wakeLocalWaiters } from './wait-on-word.js';

/** A ring to keep in step: where its header starts and its data capacity (see `SpscByteRing`). */
export interface MirroredRing {
  readonly buffer: RingMemory;
  readonly byteOffset: number;
  readonly capacity: number;
}

/** Control-block words to keep in step (see `ControlBlock`). */
export interface MirroredWords {
  readonly buffer: RingMemory;
  readonly byteOffset: number;
  readonly wordCount: number;
}

/**
 * What one side changed since the last exchange: the bytes a producer published into each ring
 * (`data`: ring index, free-running start index, bytes) and every changed word (`words`: flat
 * pairs of tracked-word number and value).
 */
export interface MirrorPatch {
  readonly data: readonly (readonly [ring: number, start: number, bytes: Uint8Array])[];
  /** Pairs: tracked word number, new value. */
  readonly words: readonly number[];
}

/** Ring header words that change after initialisation: lines 1–4 (tail, head, both wait lines). */
const FIRST_LIVE_WORD = CACHE_LINE_BYTES / 4;
const LIVE_WORDS = (RING_HEADER_BYTES - CACHE_LINE_BYTES) / 4;

/** How long after the last exchange the mirror keeps syncing at once instead of on a timer. */
const ACTIVE_MS = 20;
const IDLE_INTERVAL_MS = 4;

/**
 * Keeps rings and control words in per-thread ArrayBuffers in step between two threads over
 * `postMessage`, where SharedArrayBuffer is unavailable (a browser page that is not cross-origin
 * isolated). The ring and control-block code is unchanged: each thread works on its own copy, and
 * the mirror ships what its side wrote (the bytes a producer published, and every header or
 * control word that changed) to the other side, which writes them into its copy and wakes its
 * waiters. Every word has one writer at a time (SPSC tail/head, one side per control word), so
 * changes never conflict. Both sides must list the same rings and words in the same order.
 *
 * @example
 * ```ts
 * const mirror = new MemoryMirror([ring], [], (patch) => worker.postMessage({ mirror: patch }));
 * worker.onmessage = (event) => mirror.apply(event.data.mirror);
 * mirror.start();
 * ```
 */
export class MemoryMirror {
  readonly #rings: { readonly data: Uint8Array; readonly header: Int32Array; readonly mask: number }[];
  /** Every tracked word, as (view, index); its last exchanged value in `#shadow`. */
  readonly #views: Int32Array[] = [];
  readonly #indices: number[] = [];
  readonly #shadow: Int32Array;
  /** Per ring: the tail both sides know. */
  readonly #knownTails: number[];
  readonly #send: (patch: MirrorPatch) => void;
  #lastActivity = -Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #channel: MessageChannel | undefined;
  #running = false;
  /** Patches sent and applied (for telemetry and tests). */
  sent = 0;
  applied = 0;

  constructor(
    rings: readonly MirroredRing[],
    words: readonly MirroredWords[],
    send: (patch: MirrorPatch) => void,
  ) {
    this.#send = send;
    this.#rings = rings.map((ring) => {
      const header = new Int32Array(ring.buffer, ring.byteOffset, RING_HEADER_BYTES / 4);
      for (let word = 0; word < LIVE_WORDS; word++) {
        this.#views.push(header);
        this.#indices.push(FIRST_LIVE_WORD + word);
      }
      return {
        header,
        data: new Uint8Array(ring.buffer, ring.byteOffset + RING_HEADER_BYTES, ring.capacity),
        mask: ring.capacity - 1,
      };
    });
    for (const block of words) {
      const view = new Int32Array(block.buffer, block.byteOffset, block.wordCount);
      for (let word = 0; word < block.wordCount; word++) {
        this.#views.push(view);
        this.#indices.push(word);
      }
    }
    this.#shadow = new Int32Array(this.#views.length);
    for (let word = 0; word < this.#views.length; word++)
      this.#shadow[word] = Atomics.load(this.#views[word]!, this.#indices[word]!);
    this.#knownTails = this.#rings.map((ring) => Atomics.load(ring.header, TAIL_WORD));
  }

  /** Ships this side's changes now, if any; true when a patch was sent. */
  flush(): boolean {
    const data: [number, number, Uint8Array][] = [];
    for (let index = 0; index < this.#rings.length; index++) {
      const ring = this.#rings[index]!;
      const tail = Atomics.load(ring.header, TAIL_WORD);
      const known = this.#knownTails[index]!;
      const length = (tail - known) | 0;
      if (length === 0) continue;
      // Only the producer moves the tail: these bytes are this side's, published since the last patch.
      const bytes = new Uint8Array(length);
      const start = known & ring.mask;
      const first = Math.min(length, ring.data.length - start);
      bytes.set(ring.data.subarray(start, start + first));
      if (first < length) bytes.set(ring.data.subarray(0, length - first), first);
      data.push([index, known, bytes]);
      this.#knownTails[index] = tail;
    }
    const words: number[] = [];
    const shadow = this.#shadow;
    for (let word = 0; word < shadow.length; word++) {
      const value = Atomics.load(this.#views[word]!, this.#indices[word]!);
      if (value !== shadow[word]) {
        shadow[word] = value;
        words.push(word, value);
      }
    }
    if (data.length === 0 && words.length === 0) return false;
    this.sent++;
    this.#lastActivity = performance.now();
    this.#send({ data, words });
    return true;
  }

  /** Writes the other side's changes into this side's copy and wakes whatever waits on them. */
  apply(patch: MirrorPatch): void {
    for (const [index, start, bytes] of patch.data) {
      const ring = this.#rings[index]!;
      const offset = start & ring.mask;
      const first = Math.min(bytes.length, ring.data.length - offset);
      ring.data.set(bytes.subarray(0, first), offset);
      if (first < bytes.length) ring.data.set(bytes.subarray(first), 0);
      this.#knownTails[index] = (start + bytes.length) | 0;
    }
    const words = patch.words;
    for (let pair = 0; pair < words.length; pair += 2) {
      const word = words[pair]!;
      const value = words[pair + 1]!;
      this.#shadow[word] = value;
      Atomics.store(this.#views[word]!, this.#indices[word]!, value);
    }
    this.applied++;
    this.#lastActivity = performance.now();
    wakeLocalWaiters();
    // Answer soon: the peer likely waits for what this side does next.
    if (this.#running && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#scheduled = false;
    }
    this.#schedule();
  }

  /** Starts shipping changes: at once while traffic flows, every few ms when idle. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#channel = new MessageChannel();
    this.#channel.port1.onmessage = () => this.#tick();
    this.#schedule();
  }

  /** Stops shipping (the last changes are sent first). */
  stop(): void {
    if (!this.#running) return;
    this.flush();
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#channel?.port1.close();
    this.#channel = undefined;
  }

  #scheduled = false;

  #schedule(): void {
    if (this.#scheduled || !this.#running) return;
    this.#scheduled = true;
    if (performance.now() - this.#lastActivity < ACTIVE_MS) this.#channel!.port2.postMessage(0);
    else this.#timer = setTimeout(() => this.#tick(), IDLE_INTERVAL_MS);
    (this.#timer as { unref?(): unknown } | undefined)?.unref?.();
  }

  #tick(): void {
    this.#scheduled = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#running) return;
    this.flush();
    this.#schedule();
  }
}
