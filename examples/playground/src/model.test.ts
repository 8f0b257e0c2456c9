import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from './test-support';
import { accuracy, mlp } from './model';

beforeAll(useCpu);

describe('mlp', () => {
  it('starts from the same He-uniform weights for the same seed, whatever its label', () => {
    const [a, b, c] = [mlp([2, 8, 3], 7, 'a'), mlp([2, 8, 3], 7, 'b'), mlp([2, 8, 3], 8, 'c')];
    const w = (m: typeof a) => Array.from(m.variables[0].dataSync());
    expect(a.variables.map((v) => v.shape)).toEqual([[2, 8], [8], [8, 3], [3]]);
    expect(w(b)).toEqual(w(a));
    expect(w(c)).not.toEqual(w(a));
    expect(Math.max(...w(a).map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 2));
    expect(new Set(a.variables.map((v) => v.name)).size).toBe(4);
    expect(a.variables[0].name).not.toBe(b.variables[0].name); // tfjs names are global
    const before = tf.memory().numTensors;
    [a, b, c].forEach((m) => m.dispose());
    expect(before - tf.memory().numTensors).toBe(12); // exactly the variables: nothing else held
  });

  it('computes relu(xW₁ + b₁)W₂ + b₂ and the mean cross-entropy', () => {
    const m = mlp([2, 2, 2], 1, 'f');
    m.variables[0].assign(
      tf.tensor2d([
        [1, -1],
        [2, 0],
      ]),
    );
    m.variables[1].assign(tf.tensor1d([0, 1]));
    m.variables[2].assign(
      tf.tensor2d([
        [1, 0],
        [0, 1],
      ]),
    );
    m.variables[3].assign(tf.tensor1d([0.5, 0]));
    const x = tf.tensor2d([[1, 1]]);
    // h = relu([3, -1] + [0, 1]) = [3, 0]; logits = [3.5, 0]
    expect(Array.from(m.logits(x).dataSync())).toEqual([3.5, 0]);
    const loss = m.loss(x, tf.tensor2d([[0, 1]])).dataSync()[0];
    expect(loss).toBeCloseTo(Math.log(1 + Math.exp(3.5)), 5);
    m.dispose();
  });

  it('refuses sizes that make no network', () => {
    expect(() => mlp([2], 1, 'x')).toThrow(/sizes must be ≥ 2 positive integers; got \[2\]/);
    expect(() => mlp([2, 0, 2], 1, 'x')).toThrow(/got \[2, 0, 2\]/);
  });
});

describe('accuracy', () => {
  it('is the share of rows whose largest logit is the label', () => {
    const logits = tf.tensor2d([
      [1, 0],
      [0, 1],
      [2, 3],
      [5, 1],
    ]);
    expect(accuracy(logits, tf.tensor1d([0, 1, 0, 1], 'int32')).dataSync()[0]).toBe(0.5);
  });
});
