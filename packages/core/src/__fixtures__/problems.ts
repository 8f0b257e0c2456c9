import { afterEach } from 'vitest';
import { mlpProblem, type Problem } from '../testing/index';

/**
 * Core's tests' kit problems, disposed after each test: `problem(seed)` makes one. Call at the top
 * level of a test file (it registers an afterEach).
 */
export function useProblems(): (seed?: number) => Problem {
  const made: Problem[] = [];
  afterEach(() => made.splice(0).forEach((p) => p.dispose()));
  return (seed = 3) => {
    const p = mlpProblem({ seed });
    made.push(p);
    return p;
  };
}

/** The raw float32 bits of each array, so -0, denormals and NaN payloads count. */
export const bits = (xs: Float32Array[]): number[][] => xs.map((x) => Array.from(new Uint32Array(x.buffer)));
