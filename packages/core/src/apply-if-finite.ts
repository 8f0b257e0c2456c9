import * as tf from '@tensorflow/tfjs-core';
import type { Grads } from './types';

/**
 * optax's `apply_if_finite`, on the device and without reading anything back: runs `update`, then
 * sets every variable in `guarded` that the update changed back to its value before the update
 * wherever `ok` is false. The old values come from saved clones, which share the buffer on most
 * backends (no copy), so a skipped step leaves the variables bit-identical.
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
  const saved = guarded.map((v) => tf.clone(v));
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

/**
 * Backends whose Select kernel takes a condition with one entry per row of higher-rank inputs
 * (TF's Select semantics) correctly. tfjs-backend-cpu 4.22's does not (it repeats each row's
 * first value), so elsewhere the condition is tiled to the full shape.
 */
const ROW_SELECT = new Set(['webgl', 'webgpu']);

/**
 * `ok ? a : b` for whole tensors. tf.where tiles a scalar condition to the full shape first, a
 * second full-size pass; on the GPU backends the Select kernel is called with the condition tiled
 * to the first dimension only, once per length, so selecting costs one pass. Ranks above 4 (which
 * WebGL's Select does not take) use tf.where.
 */
class Selector {
  private readonly conditions = new Map<string, tf.Tensor>();
  private readonly perRow = ROW_SELECT.has(tf.getBackend());
  constructor(private readonly ok: tf.Scalar) {}

  of(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
    if (a.rank === 0) return tf.where(this.ok, a, b);
    if (!this.perRow || a.rank > 4) return tf.where(this.condition(a.shape), a, b);
    return tf
      .engine()
      .runKernel('Select', { condition: this.condition([a.shape[0]]), t: a, e: b }) as tf.Tensor;
  }

  /** `ok` tiled to `shape`, made once per shape and step. */
  private condition(shape: readonly number[]): tf.Tensor {
    const key = shape.join(',');
    let condition = this.conditions.get(key);
    if (!condition) {
      condition = tf.broadcastTo(this.ok, [...shape]);
      this.conditions.set(key, condition);
    }
    return condition;
  }
}
