import type { TestResult } from '../shims/node-test.js';

declare global {
  interface Window {
    __results?: Promise<TestResult[]>;
  }
}

/** Hands the page's results to the test driving the browser (it awaits `window.__results`). */
export function publishResults(results: Promise<TestResult[]>): void {
  window.__results = results;
}
