import { Fifo } from '../queues/fifo.js';
import { scheduleMacrotask } from './schedule.js';

/** Something with queued work to run on the scheduler's turn. */
export interface Drainable {
  /** Runs a slice of the queued work; returns how many messages it handled. */
  drain(): number;
}

/** Messages handled in one scheduler turn before it yields to the event loop (timers, I/O). */
const TURN_BUDGET = 8192;

const ready = new Fifo<Drainable>();
let scheduled = false;

/**
 * Queues `item` to drain on the next microtask. Every kernel woken in one turn shares that one
 * microtask (a thousand requests to a thousand kernels cost one, not a thousand), and work that
 * wakes more kernels runs in the same pass. A pass that handled {@link TURN_BUDGET} messages
 * yields to the event loop before going on, so timers and I/O are never starved.
 */
export function scheduleDrain(item: Drainable): void {
  ready.push(item);
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(runReady);
}

function runReady(): void {
  let budget = TURN_BUDGET;
  for (;;) {
    const item = ready.shift();
    if (item === undefined) {
      scheduled = false;
      return;
    }
    budget -= item.drain() + 1;
    if (budget <= 0 && ready.size !== 0) {
      scheduleMacrotask(runReady);
      return;
    }
  }
}
