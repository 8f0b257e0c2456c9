import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '@flatopt/core';
import { softmaxCrossEntropy } from '@flatopt/grad-reg';

/** A ReLU multilayer perceptron held as plain variables: the playground needs no tfjs-layers. */
export interface Mlp {
  /** kernel₁, bias₁, kernel₂, bias₂, …: what the optimizer trains. */
  readonly variables: tf.Variable[];
  /** Logits of a batch (n × inputs → n × classes). */
  logits(x: tf.Tensor2D): tf.Tensor2D;
  /** Mean softmax cross-entropy of a batch against one-hot labels. */
  loss(x: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar;
  dispose(): void;
}

let models = 0;

/**
 * He-uniform kernels (Glorot's bound scaled for ReLU: √(6/fan_in)) and zero biases, drawn with
 * mulberry32, so the same seed gives the same network on every backend and both columns of the
 * playground start from the same weights.
 */
export function mlp(sizes: readonly number[], seed: number, label: string): Mlp {
  if (sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new RangeError(`mlp: sizes must be ≥ 2 positive integers; got [${sizes.join(', ')}]`);
  }
  const random = mulberry32(seed);
  const id = `${label}${++models}`; // tfjs variable names are global: one fresh prefix per model
  const variables: tf.Variable[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [fanIn, fanOut] = [sizes[i], sizes[i + 1]];
    const bound = Math.sqrt(6 / fanIn);
    const kernel = Float32Array.from({ length: fanIn * fanOut }, () => (2 * random() - 1) * bound);
    // tidy releases the initial values; variables outlive it.
    variables.push(
      tf.tidy(() => tf.variable(tf.tensor2d(kernel, [fanIn, fanOut]), true, `${id}/dense${i}/kernel`)),
    );
    variables.push(tf.tidy(() => tf.variable(tf.zeros([fanOut]), true, `${id}/dense${i}/bias`)));
  }
  const logits = (x: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() => {
      let h: tf.Tensor2D = x;
      for (let i = 0; i < variables.length; i += 2) {
        h = tf.add(tf.matMul(h, variables[i] as tf.Tensor2D), variables[i + 1]);
        if (i + 2 < variables.length) h = tf.relu(h);
      }
      return h;
    });
  return {
    variables,
    logits,
    // The plain-op cross-entropy of @flatopt/grad-reg: its second derivative is right, so double
    // backprop (B-GR) and the Hessian probes work on it; tf.losses' custom-gradient one is not.
    loss: (x, oneHot) => tf.tidy(() => softmaxCrossEntropy(oneHot, logits(x)) as tf.Scalar),
    dispose: () => tf.dispose(variables),
  };
}

/** Fraction of rows whose largest logit is at the label. */
export function accuracy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')));
}
