import * as tf from '@tensorflow/tfjs-core';
import { loadDigits } from './data/digits';
import { flipLabels, toyDataset, type ToyKind } from './data/toy';

export type TaskKind = ToyKind | 'digits';

/** One split on the device: inputs, integer labels and their one-hot rows. */
export interface Split {
  readonly x: tf.Tensor2D;
  readonly labels: tf.Tensor1D;
  readonly oneHot: tf.Tensor2D;
  readonly n: number;
}

/** The 2-D plane a toy task's decision boundary is drawn on. */
export interface Plane {
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  /** Training points as plain numbers (with their possibly flipped labels), for drawing. */
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number; readonly label: number }>;
}

export interface Task {
  readonly kind: TaskKind;
  readonly inputs: number;
  readonly classes: number;
  /** Hidden widths of the MLP that suits the task. */
  readonly hidden: readonly number[];
  readonly train: Split;
  readonly test: Split;
  /** Only for 2-D tasks. */
  readonly plane?: Plane;
  dispose(): void;
}

export interface TaskOptions {
  readonly kind: TaskKind;
  /** Fraction of training labels flipped to another class (test labels stay clean). */
  readonly labelNoise: number;
  readonly seed: number;
}

function split(x: Float32Array, y: Uint8Array, inputs: number, classes: number): Split {
  const n = y.length;
  const labels = tf.tensor1d(Int32Array.from(y), 'int32');
  return {
    x: tf.tensor2d(x, [n, inputs]),
    labels,
    oneHot: tf.tidy(() => tf.cast(tf.oneHot(labels, classes), 'float32')) as tf.Tensor2D,
    n,
  };
}

function disposer(...splits: Split[]): () => void {
  return () => splits.forEach((s) => tf.dispose([s.x, s.labels, s.oneHot]));
}

/** A toy task: 400 training points (noisy labels) and 400 clean test points in the plane. */
function toyTask(kind: ToyKind, options: TaskOptions): Task {
  const data = toyDataset(kind, {
    train: 400,
    test: 400,
    labelNoise: options.labelNoise,
    jitter: 0.15,
    seed: options.seed,
  });
  const train = split(data.train.x, data.train.y, 2, data.classes);
  const test = split(data.test.x, data.test.y, 2, data.classes);
  const points = Array.from(data.train.y, (label, i) => ({
    x: data.train.x[2 * i],
    y: data.train.x[2 * i + 1],
    label,
  }));
  return {
    kind,
    inputs: 2,
    classes: data.classes,
    hidden: [32, 32],
    train,
    test,
    plane: { x: data.bounds.x, y: data.bounds.y, points },
    dispose: disposer(train, test),
  };
}

/** MNIST digits bundled with the page (see digits-asset.ts), with the toy sets' symmetric label noise: 784-64-10. */
async function digitsTask(options: TaskOptions): Promise<Task> {
  const data = await loadDigits();
  const train = split(data.train.x, flipLabels(data.train.y, options.labelNoise, 10, options.seed), 784, 10);
  const test = split(data.test.x, data.test.y, 784, 10);
  return {
    kind: 'digits',
    inputs: 784,
    classes: 10,
    hidden: [64],
    train,
    test,
    dispose: disposer(train, test),
  };
}

export async function loadTask(options: TaskOptions): Promise<Task> {
  return options.kind === 'digits' ? digitsTask(options) : toyTask(options.kind, options);
}
