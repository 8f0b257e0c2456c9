import * as tf from '@tensorflow/tfjs-core';

/** `tf.tidy` typed for results that hold `null` entries (gradient lists), which tfjs walks past. */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}

/** `tf.dispose` for lists that may hold `null` (no gradient) entries. */
export function dispose(items: ReadonlyArray<tf.Tensor | null | undefined>): void {
  for (const t of items) t?.dispose();
}
