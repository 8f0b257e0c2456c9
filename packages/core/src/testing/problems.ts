import * as tf from '@tensorflow/tfjs-core';
import { normals } from './prng';

/** A small training problem on raw variables, identical for a given seed on every backend. */
export interface Problem {
  readonly variables: tf.Variable[];
  /** Mean softmax cross-entropy (a scalar). */
  readonly loss: () => tf.Scalar;
  /** Per-example softmax cross-entropy (a vector; its mean is `loss`). */
  readonly perExampleLoss: () => tf.Tensor1D;
  /** Sets the variables to the values of another problem's `read()`. */
  assign(values: ReadonlyArray<Float32Array>): void;
  read(): Float32Array[];
  dispose(): void;
}

export interface ProblemOptions {
  seed?: number;
  inputs?: number;
  hidden?: number;
  classes?: number;
  examples?: number;
}

let counter = 0;

/**
 * A tanh MLP `inputs → hidden → classes` with biases, trained by softmax cross-entropy on
 * random data. Variables get unique names (`flatopt-kit-N/...`) so problems can coexist.
 */
export function mlpProblem(options: ProblemOptions = {}): Problem {
  const { seed = 1, inputs = 6, hidden = 8, classes = 3, examples = 16 } = options;
  const id = `flatopt-kit-${++counter}`;
  // Start from what the backend stores: a tensor made from an array keeps that array until its
  // first kernel, so on float16 WebGL its first read would be exact float32 and every later read
  // rounded, and a check comparing the two would blame the plugin for the upload. `x·1` is exact.
  const v = (name: string, shape: number[], values: Float32Array) =>
    tf.variable(
      tf.tidy(() => tf.mul(tf.tensor(values, shape), 1)),
      true,
      `${id}/${name}`,
    );
  const variables = [
    v('w1', [inputs, hidden], normals(inputs * hidden, seed, 1 / Math.sqrt(inputs))),
    v('b1', [hidden], normals(hidden, seed + 1, 0.1)),
    v('w2', [hidden, classes], normals(hidden * classes, seed + 2, 1 / Math.sqrt(hidden))),
    v('b2', [classes], normals(classes, seed + 3, 0.1)),
  ];
  const x = tf.tensor2d(normals(examples * inputs, seed + 4), [examples, inputs]);
  const labels = Array.from({ length: examples }, (_, i) => (i * 7 + seed) % classes);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32'));
  const [w1, b1, w2, b2] = variables;
  const perExampleLoss = () =>
    tf.tidy(() => {
      const logits = tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, w1), b1)), w2), b2);
      // logSumExp(z) − Σ y·z rather than −Σ y·logSoftmax(z): the same value, and it stays correct
      // under double backprop (tf.logSoftmax is a custom-gradient op tfjs differentiates only once).
      return tf.sub(tf.logSumExp(logits, -1), tf.sum(tf.mul(y, logits), -1)) as tf.Tensor1D;
    });
  return {
    variables,
    perExampleLoss,
    loss: () => tf.tidy(() => tf.mean(perExampleLoss()) as tf.Scalar),
    assign: (values) =>
      tf.tidy(() =>
        variables.forEach((variable, i) => variable.assign(tf.tensor(values[i], variable.shape))),
      ),
    read: () => variables.map((t) => Float32Array.from(t.dataSync() as Float32Array)),
    dispose: () => tf.dispose([...variables, x, y]),
  };
}
