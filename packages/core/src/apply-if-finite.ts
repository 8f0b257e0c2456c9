import * as tf from '@tensorflow/tfjs-core';
import { alias } from './tfjs/alias';
import { Selector } from './selector';
import type { Grads } from './types';

/**
 * optax's `apply_if_finite`, on the device and without reading anything back: runs `update`, then
 * sets every variable in `guarded` that the update changed back to its value before the update
 * wherever `ok` is false. The old values are kept as aliases of the old buffers (no kernel, no
 * copy; tfjs never writes a buffer in place), so a skipped step leaves the variables bit-identical.
 *
 * `update` receives the gradients; where `sanitize` is true they are first replaced by zeros when
 * `ok` is false. That covers state the update creates on its first call (Adam's moments start from
 * zeros), which has no earlier value to go back to: a zero gradient at zero state changes nothing
 * in tfjs' optimizers.
 */
export function applyIfFinite(
  ok: tf.Scalar,
  guarded: readonly tf.Variable[],
  grads: Grads,
  sanitize: boolean,
  update: (grads: Grads) => void,
): void {
  const ids = guarded.map((v) => v.dataId);
  const saved = guarded.map((v) => alias(v));
  try {
    const select = new Selector(ok);
    update(sanitize ? grads.map((g) => g && select.of(g, tf.zerosLike(g))) : grads);
    guarded.forEach((v, i) => {
      // A variable the update did not touch still holds its old buffer and needs no selection.
      if (v.dataId !== ids[i]) v.assign(select.of(v, saved[i]));
    });
  } catch (e) {
    // A throwing update (a plugin's apply, the wrapped optimizer) leaves nothing half-applied.
    guarded.forEach((v, i) => v.dataId !== ids[i] && v.assign(saved[i]));
    throw e;
  } finally {
    tf.dispose(saved);
  }
}
