/**
 * A small Dense classifier and its data for the tfjs-layers entry points: 32 examples in batches
 * of 8, so one epoch is 4 steps. Weights and data are seeded, the same on every backend. Runs in the browser.
 */
import * as tf from '@tensorflow/tfjs';
import { normals } from '@flatopt/core/testing';
import { BATCHES_PER_EPOCH } from '../steps';

export const BATCH = 8;
export const EXAMPLES = BATCH * BATCHES_PER_EPOCH;
export const FEATURES = 6;
const CLASSES = 3;

export function denseModel(optimizer: tf.Optimizer): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [FEATURES],
        units: 8,
        activation: 'relu',
        kernelInitializer: 'glorotNormal',
      }),
      tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  // Fixed weights, so two models built for a comparison start equal.
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(normals(w.size, 90 + i, 0.5), w.shape)));
  return model;
}

export interface DenseData {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
  /** The same examples as a dataset of BATCH-sized batches, for fitDataset. */
  dataset(): tf.data.Dataset<tf.TensorContainer>;
  dispose(): void;
}

export function denseData(): DenseData {
  const xValues = normals(EXAMPLES * FEATURES, 81);
  const labels = Array.from({ length: EXAMPLES }, (_, i) => (i * 5) % CLASSES);
  const x = tf.tensor2d(xValues, [EXAMPLES, FEATURES]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES).toFloat() as tf.Tensor2D);
  const rows = labels.map((label, i) => ({
    xs: Array.from(xValues.subarray(i * FEATURES, (i + 1) * FEATURES)),
    ys: Array.from({ length: CLASSES }, (_, c) => (c === label ? 1 : 0)),
  }));
  return {
    x,
    y,
    dataset: () => tf.data.array(rows).batch(BATCH),
    dispose: () => tf.dispose([x, y]),
  };
}
