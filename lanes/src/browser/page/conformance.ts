/** Runs one conformance case by name in the page; its ConformanceError travels back to Node. Runs in the browser. */
import type { ConformanceOptions } from '@flatopt/core/testing';
import { findCase } from '../plan';

/** Runs the case and returns how long it took (ms). */
export async function runCase(options: ConformanceOptions, name: string): Promise<number> {
  const start = performance.now();
  await findCase(options, name).run();
  return performance.now() - start;
}
