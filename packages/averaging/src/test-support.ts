import type * as tf from '@tensorflow/tfjs-core';
import type { Plugin } from '@flatopt/core';
import { averagingHandle, slowWeights } from './handles';

/** Test helpers (not exported by the package). */

/** Each tensor's bits, so that toEqual compares bit for bit (−0 ≠ 0, NaN payloads count). */
export const bits = (xs: readonly Float32Array[]): number[][] =>
  xs.map((x) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length)));

export const read = (ts: readonly tf.Tensor[]): Float32Array[] =>
  ts.map((t) => Float32Array.from(t.dataSync() as Float32Array));

/** An ema/swa plugin's averages and count, read. */
export function averagesOf(plugin: Plugin): { averages: Float32Array[]; count: number } {
  const slots = averagingHandle(plugin)?.slots;
  if (!slots) throw new Error(`${plugin.name} has no averaging state`);
  return { averages: read(slots.averages), count: slots.count.dataSync()[0] };
}

/** A lookahead plugin's slow weights, read. */
export function slowOf(plugin: Plugin): Float32Array[] {
  const slow = slowWeights(plugin);
  if (!slow) throw new Error(`${plugin.name} has no slow weights`);
  return read(slow.slow);
}

/** max |a − b| over aligned lists, with b in float64. */
export function maxAbsDiff(a: readonly Float32Array[], b: readonly Float64Array[]): number {
  let m = 0;
  a.forEach((x, i) => x.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j])))));
  return m;
}

export function maxAbs(xs: ReadonlyArray<ArrayLike<number>>): number {
  let m = 0;
  for (const x of xs) for (let j = 0; j < x.length; j++) m = Math.max(m, Math.abs(x[j]));
  return m;
}

/** Unit roundoff of float32. */
export const U32 = 2 ** -24;
