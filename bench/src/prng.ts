import { mulberry32 } from '@flatopt/core/testing';

export { mulberry32 };

/** `n` floats drawn uniformly from [low, high) with `next` (e.g. `mulberry32(seed)`). */
export function uniformArray(next: () => number, n: number, low = 0, high = 1): Float32Array {
  const out = new Float32Array(n);
  const width = high - low;
  for (let i = 0; i < n; i++) out[i] = low + width * next();
  return out;
}
