import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FlatoptError } from '@flatopt/core';
import { normals, useBackend } from '@flatopt/core/testing';
import { updateBatchNorm } from './batch-norm';
import { bits, read } from './test-support';

const disposables: Array<{ dispose(): void }> = [];
afterEach(() => disposables.splice(0).forEach((d) => d.dispose()));

/** Dense(5 → 6) → BatchNormalization → Dense(3), trained BN statistics far from the data's. */
function model(): tf.Sequential {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [5],
        units: 6,
        kernelInitializer: tf.initializers.glorotNormal({ seed: 11 }),
        biasInitializer: 'ones',
      }),
      tf.layers.batchNormalization({ momentum: 0.9 }),
      tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotNormal({ seed: 12 }) }),
    ],
  });
  disposables.push(m);
  return m;
}

function batch(rows: number, seed: number, shift = 0): tf.Tensor2D {
  const t = tf.tensor2d(
    normals(rows * 5, seed).map((x) => x * 2 + shift),
    [rows, 5],
  );
  disposables.push(t);
  return t;
}

/** The BatchNorm layer's input for `x` (Dense's output), in float64. */
function bnInput(m: tf.Sequential, x: tf.Tensor2D): Float64Array[] {
  const [kernel, bias] = m.layers[0].getWeights().map((w) => Array.from(w.dataSync()));
  const xs = x.arraySync();
  return xs.map((row) =>
    Float64Array.from({ length: 6 }, (_, j) => row.reduce((s, v, i) => s + v * kernel[i * 6 + j], bias[j])),
  );
}

/** Per-feature mean and biased variance of rows, in float64. */
function moments(rows: Float64Array[]): { mean: number[]; variance: number[] } {
  const n = rows.length;
  const mean = Array.from({ length: 6 }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / n);
  const variance = mean.map((m, j) => rows.reduce((s, r) => s + (r[j] - m) ** 2, 0) / n);
  return { mean, variance };
}

const stats = (m: tf.LayersModel) => read(m.layers[1].getWeights().slice(2)); // moving mean, variance
const close = (got: ArrayLike<number>, want: number[], rel = 2e-6) =>
  want.forEach((w, j) => expect(Math.abs(got[j] - w)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(w))));

describe.each(['cpu', 'wasm'] as const)('updateBatchNorm on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('one batch: the moving mean and variance become the plain mean and (biased) variance of the layer’s inputs', async () => {
    const m = model();
    const x = batch(40, 1, 3);
    const y = tf.zeros([40, 3]);
    disposables.push(y);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await m.fit(x, y, { epochs: 2, batchSize: 10, verbose: 0 }); // statistics from training
    m.optimizer.dispose();
    expect(bits(stats(m))).not.toEqual(bits([new Float32Array(6), new Float32Array(6).fill(1)]));
    const { mean, variance } = moments(bnInput(m, x));
    expect(await updateBatchNorm(m, [x])).toBe(1);
    const [movingMean, movingVariance] = stats(m);
    close(movingMean, mean);
    close(movingVariance, variance);
  });

  it('several batches: the mean over batches of the batch means and variances (the cumulative average); a dataset gives the same bits', async () => {
    const m = model();
    const xs = [batch(16, 2, -1), batch(16, 3, 0), batch(16, 4, 2)];
    const perBatch = xs.map((x) => moments(bnInput(m, x)));
    const mean = perBatch[0].mean.map((_, j) => perBatch.reduce((s, b) => s + b.mean[j], 0) / 3);
    const variance = perBatch[0].variance.map((_, j) => perBatch.reduce((s, b) => s + b.variance[j], 0) / 3);
    // Equal batches: the mean is the plain mean of every input; the variance is not the pooled
    // variance, which adds the spread of the batch means (as in PyTorch's update_bn).
    const pooled = moments(xs.flatMap((x) => bnInput(m, x)));
    close(pooled.mean, mean, 1e-12);
    const spread = mean.map((mu, j) => perBatch.reduce((s, b) => s + (b.mean[j] - mu) ** 2, 0) / 3);
    close(
      pooled.variance,
      variance.map((v, j) => v + spread[j]),
      1e-12,
    );
    expect(Math.max(...spread.map((x, j) => x / variance[j]))).toBeGreaterThan(0.05);

    expect(await updateBatchNorm(m, xs)).toBe(3);
    const fromArray = stats(m);
    close(fromArray[0], mean);
    close(fromArray[1], variance);

    const tensors = tf.memory().numTensors;
    const dataset = tf.data.array(xs.map((x) => ({ xs: x, ys: tf.zeros([16, 3]) })));
    expect(await updateBatchNorm(m, dataset)).toBe(3);
    expect(bits(stats(m))).toEqual(bits(fromArray));
    expect(tf.memory().numTensors - tensors).toBeLessThanOrEqual(3); // the dataset's own ys, nothing per batch
  });

  it('leaves every other weight and the layers’ momentum untouched, and leaks nothing', async () => {
    const m = model();
    const x = batch(12, 5);
    const others = () => bits(read(m.trainableWeights.map((w) => w.read())));
    const before = others();
    const tensors = tf.memory().numTensors;
    await updateBatchNorm(m, [x, x]);
    expect(others()).toEqual(before);
    expect((m.layers[1] as unknown as { momentum: number }).momentum).toBe(0.9);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});

describe('updateBatchNorm: models and bad input', () => {
  beforeAll(() => useBackend('cpu'));

  it('finds BatchNormalization inside nested models, and takes inputs by name', async () => {
    const inner = tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape: [4] })] });
    const a = tf.input({ shape: [2], name: 'left' });
    const b = tf.input({ shape: [2], name: 'right' });
    const joined = tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor;
    const m = tf.model({ inputs: [a, b], outputs: inner.apply(joined) as tf.SymbolicTensor });
    disposables.push(m);
    const left = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const right = tf.tensor2d([0, 1, 0, 2, 0, 3], [3, 2]);
    disposables.push(left, right);
    expect(await updateBatchNorm(m, [{ xs: { right, left } }])).toBe(1);
    const [mean, variance] = read(inner.layers[0].getWeights().slice(2));
    close(mean, [3, 4, 0, 2]);
    close(variance, [8 / 3, 8 / 3, 0, 2 / 3]);
  });

  it('a bad batch throws, naming it, with the statistics put back; no batches and bad arguments too', async () => {
    const m = model();
    const x = batch(8, 6);
    const before = bits(stats(m));
    await expect(updateBatchNorm(m, [x, 'oops' as never])).rejects.toThrow(
      /updateBatchNorm: batch 1 must be the model's inputs .*; got "oops"\. Nothing was changed\./,
    );
    expect(bits(stats(m))).toEqual(before);
    expect((m.layers[1] as unknown as { momentum: number }).momentum).toBe(0.9);
    await expect(updateBatchNorm(m, [])).rejects.toThrow(
      /updateBatchNorm: 'data' has no batches\. Nothing was changed\./,
    );
    await expect(updateBatchNorm(m, x as never)).rejects.toThrow(
      /updateBatchNorm: 'data' must be an array of batches or a tf\.data\.Dataset; got an instance of Tensor\./,
    );
    await expect(updateBatchNorm({} as never, [x])).rejects.toThrow(FlatoptError);
    expect(bits(stats(m))).toEqual(before);
    const plain = tf.sequential({ layers: [tf.layers.dense({ inputShape: [5], units: 2 })] });
    disposables.push(plain);
    expect(await updateBatchNorm(plain, [x])).toBe(0);
  });
});
