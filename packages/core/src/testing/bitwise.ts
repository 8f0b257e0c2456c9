import * as tf from '@tensorflow/tfjs-core';
import { ConformanceError } from './errors';

/** A synchronous copy of each tensor's values. */
export function readAll(tensors: ReadonlyArray<tf.Tensor>): Float32Array[] {
  return tensors.map((t) => Float32Array.from(t.dataSync() as Float32Array));
}

/**
 * Throws unless `a` and `b` are equal bit for bit (so -0 ≠ 0 and NaN payloads count), naming
 * the first differing tensor, how many entries differ and the largest difference.
 */
export function assertBitwiseEqual(
  check: string,
  what: string,
  a: ReadonlyArray<Float32Array>,
  b: ReadonlyArray<Float32Array>,
  names?: readonly string[],
): void {
  if (a.length !== b.length)
    throw new ConformanceError(check, `${what}: ${a.length} tensors vs ${b.length}.`);
  a.forEach((x, i) => {
    const y = b[i];
    const label = names?.[i] ?? `#${i}`;
    if (x.length !== y.length) {
      throw new ConformanceError(check, `${what}: tensor ${label} has ${x.length} values vs ${y.length}.`);
    }
    const xb = new Uint32Array(x.buffer, x.byteOffset, x.length);
    const yb = new Uint32Array(y.buffer, y.byteOffset, y.length);
    let differ = 0;
    let maxDiff = 0;
    for (let j = 0; j < xb.length; j++) {
      if (xb[j] !== yb[j]) {
        differ++;
        maxDiff = Math.max(maxDiff, Math.abs(x[j] - y[j]));
      }
    }
    if (differ > 0) {
      throw new ConformanceError(
        check,
        `${what}: tensor ${label} differs in ${differ} of ${x.length} values (max |diff| ${maxDiff}); expected bit-identical.`,
      );
    }
  });
}
