/**
 * Runs `task` on a later macrotask (after pending I/O and timers get their turn), in Node and in
 * browsers: `setImmediate` where it exists, else a `MessageChannel` (browsers clamp nested
 * `setTimeout(0)` to 4 ms), else `setTimeout`.
 */
export const scheduleMacrotask: (task: () => void) => void = pickScheduler();

function pickScheduler(): (task: () => void) => void {
  const immediate = (globalThis as { setImmediate?: (task: () => void) => unknown }).setImmediate;
  if (typeof immediate === 'function') return (task) => void immediate(task);
  if (typeof MessageChannel === 'function') {
    const queue: (() => void)[] = [];
    const channel = new MessageChannel();
    channel.port1.onmessage = () => queue.shift()?.();
    return (task) => {
      queue.push(task);
      channel.port2.postMessage(undefined);
    };
  }
  return (task) => void setTimeout(task, 0);
}
