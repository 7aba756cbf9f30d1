import { InvalidArgumentError, TimeoutError, describeValue } from '../errors.js';
import { CACHE_LINE_BYTES } from './layout.js';
import { allocateRingMemory, isRingMemory, type RingMemory, type RingMemoryKind } from './memory.js';
import { isValidTimeout, waitOnWordAsync } from './wait-on-word.js';

/** Options of {@link ControlBlock.waitForChangeAsync}. */
export interface ControlWaitOptions {
  /** Milliseconds before rejecting with `TimeoutError`. Default: `Infinity`. */
  readonly timeout?: number;
  /** Cancels the wait; it then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/**
 * A few Int32 words in shared memory for state that crosses threads: lifecycle state, command
 * flags, counters. Every write is an `Atomics` operation followed by `Atomics.notify`, so another
 * thread can sleep until a word changes. Word meanings belong to the caller.
 *
 * @example
 * ```ts
 * const STATE = 0;
 * const control = ControlBlock.allocate(4);      // host
 * control.store(STATE, 2);                       // e.g. "active"; wakes waiters on STATE
 *
 * const mirror = ControlBlock.attach(control.buffer, 0, 4); // worker
 * const state = await mirror.waitForChangeAsync(STATE, 0, { timeout: 1000 });
 * ```
 */
export class ControlBlock {
  readonly buffer: RingMemory;
  readonly byteOffset: number;
  readonly wordCount: number;
  private readonly words: Int32Array;

  /** Bytes a block of `wordCount` words occupies, rounded up to whole 64-byte lines. */
  static byteLengthFor(wordCount: number): number {
    if (!Number.isInteger(wordCount) || wordCount < 1) {
      throw new InvalidArgumentError(
        `control block word count must be a positive integer, got ${describeValue(wordCount)}`,
      );
    }
    return Math.ceil((wordCount * 4) / CACHE_LINE_BYTES) * CACHE_LINE_BYTES;
  }

  /** Creates a SharedArrayBuffer holding `wordCount` zeroed words. */
  static allocate(wordCount: number, memory: RingMemoryKind = 'shared'): ControlBlock {
    return new ControlBlock(allocateRingMemory(ControlBlock.byteLengthFor(wordCount), memory), 0, wordCount);
  }

  /** Builds views over words that live at `byteOffset` (a multiple of 4) in `buffer`, from any thread. */
  static attach(buffer: RingMemory, byteOffset: number, wordCount: number): ControlBlock {
    return new ControlBlock(buffer, byteOffset, wordCount);
  }

  private constructor(buffer: RingMemory, byteOffset: number, wordCount: number) {
    if (!isRingMemory(buffer)) {
      throw new InvalidArgumentError(
        `a control block lives in a SharedArrayBuffer, got ${describeValue(buffer)}`,
      );
    }
    if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset % 4 !== 0) {
      throw new InvalidArgumentError(
        `control block byteOffset must be a multiple of 4, got ${describeValue(byteOffset)}`,
      );
    }
    if (!Number.isInteger(wordCount) || wordCount < 1 || byteOffset + wordCount * 4 > buffer.byteLength) {
      throw new InvalidArgumentError(
        `a control block of ${describeValue(wordCount)} words at byte ${byteOffset} does not fit in ${buffer.byteLength} bytes`,
      );
    }
    this.buffer = buffer;
    this.byteOffset = byteOffset;
    this.wordCount = wordCount;
    this.words = new Int32Array(buffer, byteOffset, wordCount);
  }

  /** Reads a word. */
  load(word: number): number {
    return Atomics.load(this.words, this.checkWord(word));
  }

  /** Writes a word and wakes its waiters. */
  store(word: number, value: number): void {
    Atomics.store(this.words, this.checkWord(word), value);
    Atomics.notify(this.words, word);
  }

  /** Adds to a word, wakes its waiters, and returns the previous value. */
  add(word: number, delta: number): number {
    const previous = Atomics.add(this.words, this.checkWord(word), delta);
    Atomics.notify(this.words, word);
    return previous;
  }

  /** Replaces a word if it equals `expected` (waking its waiters); returns the value found. */
  compareExchange(word: number, expected: number, replacement: number): number {
    const found = Atomics.compareExchange(this.words, this.checkWord(word), expected, replacement);
    if (found === expected) Atomics.notify(this.words, word);
    return found;
  }

  /** Sets the bits of `mask` in a word, wakes its waiters, and returns the previous value. */
  setFlags(word: number, mask: number): number {
    const previous = Atomics.or(this.words, this.checkWord(word), mask);
    Atomics.notify(this.words, word);
    return previous;
  }

  /** Clears the bits of `mask` in a word, wakes its waiters, and returns the previous value. */
  clearFlags(word: number, mask: number): number {
    const previous = Atomics.and(this.words, this.checkWord(word), ~mask);
    Atomics.notify(this.words, word);
    return previous;
  }

  /** Whether every bit of `mask` is set in a word. */
  hasFlags(word: number, mask: number): boolean {
    return (Atomics.load(this.words, this.checkWord(word)) & mask) === mask;
  }

  /**
   * Blocks until the word no longer equals `current`; returns its new value, or `undefined` on
   * timeout. Uses `Atomics.wait` (workers, or Node's main thread).
   */
  waitForChange(word: number, current: number, timeout = Number.POSITIVE_INFINITY): number | undefined {
    this.checkWord(word);
    checkTimeout(timeout);
    const deadline = performance.now() + timeout;
    for (;;) {
      const value = Atomics.load(this.words, word);
      if (value !== current) return value;
      const remaining = deadline - performance.now();
      if (remaining <= 0) return undefined;
      Atomics.wait(this.words, word, current, remaining);
    }
  }

  /**
   * Resolves with the word's new value once it no longer equals `current`; rejects with
   * `TimeoutError` after `timeout` ms or with `signal.reason` on abort.
   */
  async waitForChangeAsync(word: number, current: number, options: ControlWaitOptions = {}): Promise<number> {
    this.checkWord(word);
    const timeout = options.timeout ?? Number.POSITIVE_INFINITY;
    checkTimeout(timeout);
    const signal = options.signal;
    signal?.throwIfAborted();
    const deadline = performance.now() + timeout;
    // The word is caller data, so an abort cannot bump it the way the ring's doorbell does:
    // race the wait against the abort instead, and notify so a parked waiter leaves too.
    let resolveAborted: (() => void) | undefined;
    const aborted =
      signal === undefined ? undefined : new Promise<void>((resolve) => (resolveAborted = resolve));
    const onAbort = (): void => {
      resolveAborted?.();
      Atomics.notify(this.words, word);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const value = Atomics.load(this.words, word);
        if (value !== current) return value;
        if (signal?.aborted === true) throw signal.reason;
        const remaining = deadline - performance.now();
        if (remaining <= 0) throw new TimeoutError('control wait', timeout);
        const changed = waitOnWordAsync(this.words, word, current, remaining);
        await (aborted === undefined ? changed : Promise.race([changed, aborted]));
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private checkWord(word: number): number {
    if (!(word >= 0 && word < this.wordCount && Number.isInteger(word))) {
      throw new InvalidArgumentError(
        `control word index must be an integer in 0..${this.wordCount - 1}, got ${describeValue(word)}`,
      );
    }
    return word;
  }
}

function checkTimeout(timeout: number): void {
  if (!isValidTimeout(timeout)) {
    throw new InvalidArgumentError(
      `timeout must be a non-negative number of ms, got ${describeValue(timeout)}`,
    );
  }
}
