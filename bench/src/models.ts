import * as tf from '@tensorflow/tfjs-core';
import { mulberry32, uniformArray } from './prng';

export interface MlpOptions {
  /** Seed of the PRNG that draws weights and the batch; equal seeds give bit-identical copies. */
  readonly seed?: number;
  readonly batchSize?: number;
  /** Layer widths, input first. Defaults to the MNIST-sized 784-256-256-10. */
  readonly layers?: readonly number[];
  /**
   * Mean loss of the logits against the one-hot labels. Defaults to `tf.losses.softmaxCrossEntropy`;
   * pass `softmaxCrossEntropy` from '@flatopt/grad-reg' where a step differentiates the gradient
   * (double backprop refuses tf's custom-gradient version).
   */
  readonly loss?: MlpLoss;
}

/** A loss of (one-hot labels, logits), both [batch, classes], reduced to a scalar. */
export type MlpLoss = (labels: tf.Tensor2D, logits: tf.Tensor2D) => tf.Scalar;

/** tfjs' own softmax cross-entropy (a `customGrad` op: first order only). */
export const tfSoftmaxCrossEntropy: MlpLoss = (labels, logits) =>
  tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;

export interface Mlp {
  /** [kernel0, bias0, kernel1, bias1, ...], the order the optimizer sees them in. */
  readonly variables: tf.Variable[];
  /**
   * The loss of the fixed batch (mean softmax cross-entropy unless `options.loss` says otherwise).
   * Leaves intermediates to the caller's tidy (minimize has one).
   */
  readonly loss: () => tf.Scalar;
  dispose(): void;
}

let instances = 0;

/**
 * A ReLU MLP with softmax cross-entropy (or `options.loss`) on one fixed random batch, as raw
 * `tf.variable`s. Kernels are Glorot-uniform (limit sqrt(6 / (fanIn + fanOut))), biases zero,
 * inputs uniform in [0, 1), labels uniform over the classes; everything is drawn from
 * mulberry32(seed), never Math.random. Variable names carry a per-instance counter, so any
 * number of copies can coexist.
 */
export function createMlp({
  seed = 1,
  batchSize = 128,
  layers = [784, 256, 256, 10],
  loss: lossOf = tfSoftmaxCrossEntropy,
}: MlpOptions = {}): Mlp {
  if (layers.length < 2)
    throw new Error(`createMlp: layers needs at least 2 widths, got [${layers.join(', ')}]`);
  const id = instances++;
  const next = mulberry32(seed);
  const variables: tf.Variable[] = [];
  for (let l = 0; l + 1 < layers.length; l++) {
    const [fanIn, fanOut] = [layers[l], layers[l + 1]];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const kernel = tf.tensor2d(uniformArray(next, fanIn * fanOut, -limit, limit), [fanIn, fanOut]);
    const bias = tf.zeros([fanOut]);
    variables.push(tf.variable(kernel, true, `bench-mlp${id}/dense${l}/kernel`));
    variables.push(tf.variable(bias, true, `bench-mlp${id}/dense${l}/bias`));
    kernel.dispose();
    bias.dispose();
  }

  const inputs = layers[0];
  const classes = layers[layers.length - 1];
  const x = tf.tensor2d(uniformArray(next, batchSize * inputs), [batchSize, inputs]);
  const oneHot = new Float32Array(batchSize * classes);
  for (let i = 0; i < batchSize; i++) oneHot[i * classes + Math.floor(next() * classes)] = 1;
  const y = tf.tensor2d(oneHot, [batchSize, classes]);

  const loss = (): tf.Scalar => {
    let h: tf.Tensor2D = x;
    for (let l = 0; l < variables.length; l += 2) {
      h = tf.add(tf.matMul(h, variables[l] as tf.Tensor2D), variables[l + 1]);
      if (l + 2 < variables.length) h = tf.relu(h);
    }
    return lossOf(y, h);
  };

  return {
    variables,
    loss,
    dispose() {
      for (const v of variables) v.dispose();
      x.dispose();
      y.dispose();
    },
  };
}
