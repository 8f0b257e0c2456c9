import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '@flatopt/core/testing';

/** A training split whose labels were partly replaced: what the model trains on, and what it hides. */
export interface NoisyLabels {
  /** The one-hot labels the model trains on (noisy where `flipped`). */
  readonly y: tf.Tensor2D;
  /** Indices of the examples whose label was changed, ascending. */
  readonly flipped: Int32Array;
}

/**
 * Symmetric label noise, as in the label-noise experiments of SAM (Foret et al. 2021, §3.3) and
 * flooding (Ishida et al. 2020): exactly round(fraction·n) examples, picked by `seed`, get a label
 * drawn uniformly from the *other* classes, so every picked label is wrong. `fraction` 0 returns
 * the labels unchanged (a copy). The same `seed` gives the same noise on every backend and run.
 */
export function flipLabels(y: tf.Tensor2D, fraction: number, seed: number): NoisyLabels {
  if (!(fraction >= 0 && fraction < 1)) {
    throw new RangeError(`label noise must be a fraction in [0, 1); got ${fraction}`);
  }
  const [n, classes] = y.shape;
  const labels = tf.tidy(() => tf.argMax(y, 1).dataSync() as Int32Array).slice();
  const rand = mulberry32(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const flipped = order.slice(0, Math.round(fraction * n)).sort();
  for (const i of flipped) {
    const shift = 1 + Math.floor(rand() * (classes - 1)); // 1..classes−1: never the true class
    labels[i] = (labels[i] + shift) % classes;
  }
  const noisy = tf.tidy(
    () => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32') as tf.Tensor2D,
  );
  return { y: noisy, flipped };
}
