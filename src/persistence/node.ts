export { FileStateStore } from './file-state-store-node.js';
