/**
 * Where a kernel is in its life.
 *
 * ```
 * launch → launched ─activate→ active ⇄ deactivated (deactivate / reactivate)
 *                 any live state ─terminate→ terminating → terminated
 *                 kernel function throws → failed
 * ```
 * `terminated` is also reached when the kernel function returns on its own.
 */
export type KernelState = 'launched' | 'active' | 'deactivated' | 'terminating' | 'terminated' | 'failed';

/** Runtime operations that change a kernel's state, and the states each is allowed from. */
export const allowedFrom = {
  activate: ['launched'],
  deactivate: ['active'],
  reactivate: ['deactivated'],
  terminate: ['launched', 'active', 'deactivated', 'terminating', 'terminated', 'failed'],
  send: ['launched', 'active', 'deactivated'],
} as const satisfies Record<string, readonly KernelState[]>;

export type KernelOperation = keyof typeof allowedFrom;

/** True once a kernel is on its way out (`terminating`) or gone (`terminated`, `failed`). */
export function isStopping(state: KernelState): boolean {
  return state === 'terminating' || state === 'terminated' || state === 'failed';
}
