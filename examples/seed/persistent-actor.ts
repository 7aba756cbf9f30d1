/**
 * The guide's persistent actor: loads its state at start, saves it every `saveEvery` messages and
 * once more on shutdown, each time atomically.
 */
import {
  TimeoutError,
  defineMessage,
  field,
  type MessageOf,
  ringKernel,
  type KernelDefinition,
} from 'ringkernel';
import { loadJson, nodeFileSystem, saveJsonAtomically, type StoreFileSystem } from './json-file-store.js';

export const Deposit = defineMessage('Deposit', { amount: field.f64() });
export type Deposit = MessageOf<typeof Deposit>;

export const Balance = defineMessage('Balance', { balance: field.f64(), deposits: field.u32() });
export type Balance = MessageOf<typeof Balance>;

/** What the actor keeps on disk. */
export interface AccountState {
  balance: number;
  deposits: number;
}

export interface PersistentActorOptions {
  readonly kernelId?: string;
  /** The JSON file holding the state. */
  readonly path: string;
  /** Save after this many messages. Default 100, as in the guide. */
  readonly saveEvery?: number;
  readonly fileSystem?: StoreFileSystem;
}

export function persistentActor(options: PersistentActorOptions): KernelDefinition<Deposit, Balance> {
  const { path, saveEvery = 100, fileSystem = nodeFileSystem } = options;
  return ringKernel<Deposit, Balance>({ kernelId: options.kernelId ?? 'persistent_actor' }, async (ctx) => {
    // Load persisted state.
    const state = await loadJson<AccountState>(path, { balance: 0, deposits: 0 }, fileSystem);
    let messagesSinceSave = 0;
    while (!ctx.shouldTerminate) {
      if (!ctx.isActive) {
        await ctx.waitActive();
        continue;
      }
      try {
        const deposit = await ctx.receive({ timeout: 100 });
        state.balance += deposit.amount;
        state.deposits += 1;
        messagesSinceSave += 1;
        // Periodic persistence.
        if (messagesSinceSave >= saveEvery) {
          await saveJsonAtomically(path, state, fileSystem);
          messagesSinceSave = 0;
        }
        await ctx.send(Balance.reply(deposit, { balance: state.balance, deposits: state.deposits }));
      } catch (error) {
        if (error instanceof TimeoutError) continue;
        throw error;
      }
    }
    // Save on shutdown.
    await saveJsonAtomically(path, state, fileSystem);
  });
}
