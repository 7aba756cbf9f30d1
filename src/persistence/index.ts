export {
  durableState,
  DurableState,
  type DurableStateOptions,
  type StateSerializer,
} from './durable-state.js';
export { MemoryStateStore, type StateStore } from './state-store.js';
