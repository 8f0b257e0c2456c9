import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { flatoptErrorMessage } from './testing/errors';
import { checkLossValue } from './loss';

const message = flatoptErrorMessage;

const made: tf.Tensor[] = [];
const keep = <T extends tf.Tensor>(t: T): T => (made.push(t), t);
afterEach(() => tf.dispose(made.splice(0)));

describe('checkLossValue', () => {
  it('returns a float32 scalar or vector itself', () => {
    const s = keep(tf.scalar(0.5));
    const v = keep(tf.tensor1d([1, 2, 3]));
    const one = keep(tf.tensor1d([4]));
    expect(checkLossValue(s, 0)).toBe(s);
    expect(checkLossValue(v, 1)).toBe(v);
    expect(checkLossValue(one, 2)).toBe(one);
  });

  it.each([
    ['a number', 3, 'got 3.'],
    ['a string', 'loss', 'got "loss".'],
    ['undefined', undefined, 'got undefined.'],
    ['an array', [0.5], 'got an array of length 1.'],
  ])('refuses %s', (_what, value, got) => {
    expect(message(() => checkLossValue(value, 4))).toBe(
      `loss function (iteration 4): must return a tf.Tensor (a scalar, or a vector of per-example losses); ${got} Nothing was applied.`,
    );
  });

  it.each(['int32', 'bool'] as const)('refuses a %s tensor, saying how to cast it', (dtype) => {
    const t = keep(tf.tensor1d([1, 0], dtype));
    expect(message(() => checkLossValue(t, 0))).toBe(
      `loss function (iteration 0): must return a float32 tensor; got dtype '${dtype}'. Cast it with tf.cast(x, 'float32'). Nothing was applied.`,
    );
  });

  it('refuses a rank-2 tensor, naming its shape, even with a single element', () => {
    expect(message(() => checkLossValue(keep(tf.zeros([2, 3])), 12))).toBe(
      'loss function (iteration 12): must return a scalar or a rank-1 vector of per-example losses; got shape [2, 3] (rank 2). ' +
        'Reduce it first, e.g. with tf.mean(x, -1). Nothing was applied.',
    );
    expect(message(() => checkLossValue(keep(tf.zeros([1, 1, 1])), 0))).toMatch(
      /got shape \[1, 1, 1\] \(rank 3\)/,
    );
  });

  it('refuses an empty per-example vector', () => {
    expect(message(() => checkLossValue(keep(tf.tensor1d([])), 5))).toBe(
      'loss function (iteration 5): returned an empty per-example vector (shape [0]). Nothing was applied.',
    );
  });
});
