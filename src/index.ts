export * from './errors.js';
export type { Message } from './messages/types.js';
