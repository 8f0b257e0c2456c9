import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { finiteFlag, nonFiniteError } from './non-finite';

const made: tf.Tensor[] = [];
const t = (values: number[] | number): tf.Tensor => {
  const x = typeof values === 'number' ? tf.scalar(values) : tf.tensor(values);
  made.push(x);
  return x;
};
const s = (value: number) => t(value) as tf.Scalar;
afterEach(() => tf.dispose(made.splice(0)));

/** The flag's value; also checks that finiteFlag leaves no tensor but its result. */
function flag(loss: tf.Scalar, grads: Array<tf.Tensor | null>): number {
  const before = tf.memory().numTensors;
  const f = finiteFlag(loss, grads);
  expect(f.shape).toEqual([]);
  expect(tf.memory().numTensors).toBe(before + 1);
  const v = f.dataSync()[0];
  f.dispose();
  return v;
}

describe('finiteFlag', () => {
  it('is the loss plus the sum of every gradient when all are finite, with or without nulls', () => {
    expect(flag(s(1.5), [t([1, -2]), null, t([-3e38, 3e38])])).toBe(0.5);
    expect(flag(s(-7), [null, null])).toBe(-7);
    expect(flag(s(0), [])).toBe(0);
  });

  it('treats a gradient whose sum overflows float32 as non-finite (entries near 1e38)', () => {
    expect(flag(s(1), [t([3e38, 3e38])])).toBe(Infinity);
  });

  it.each([
    ['a NaN loss', NaN, [1, 2]],
    ['an Infinity loss', Infinity, [1, 2]],
    ['a -Infinity loss', -Infinity, [1, 2]],
    ['a NaN gradient entry', 1, [1, NaN]],
    ['an Infinity gradient entry', 1, [Infinity, 2]],
    ['a -Infinity gradient entry', 1, [-Infinity, 2]],
  ])('is not finite for %s', (_what, loss, grad) => {
    expect(Number.isFinite(flag(s(loss), [null, t([0, 0]), t(grad)]))).toBe(false);
  });

  it('is NaN when an Infinity and a -Infinity could cancel in a sum', () => {
    expect(flag(s(0), [t([Infinity, -Infinity])])).toBeNaN();
  });
});

describe('nonFiniteError', () => {
  const variables = [
    tf.variable(tf.zeros([2]), true, 'nonFiniteTest/a'),
    tf.variable(tf.zeros([2]), true, 'nonFiniteTest/b'),
    tf.variable(tf.zeros([1]), true, 'nonFiniteTest/c'),
  ];
  afterAll(() => variables.forEach((v) => v.dispose()));
  const tail =
    'nothing was applied, weights and optimizer state are unchanged. ' +
    "Lower the learning rate or check the data; pass { nonFinite: 'skip' } to skip such steps, or 'ignore' to turn the check off.";

  it('names a non-finite loss value and the iteration', () => {
    const grads = [t([1, 2]), t([NaN, 0]), null];
    expect(nonFiniteError(s(NaN), grads, variables, 7).message).toBe(
      `withPlugins: non-finite loss NaN at iteration 7: ${tail}`,
    );
    expect(nonFiniteError(s(-Infinity), grads, variables, 0).message).toBe(
      `withPlugins: non-finite loss -Infinity at iteration 0: ${tail}`,
    );
  });

  it('names the first variable whose gradient is not finite, skipping nulls, with the loss', () => {
    const grads = [null, t([1, Infinity]), t([NaN])];
    const before = tf.memory().numTensors;
    const e = nonFiniteError(s(1.5), grads, variables, 3);
    expect(tf.memory().numTensors).toBe(before + 1); // only the loss scalar made here
    expect(e.name).toBe('FlatoptError');
    expect(e.message).toBe(
      `withPlugins: non-finite gradient of variable 'nonFiniteTest/b' (loss 1.5) at iteration 3: ${tail}`,
    );
    expect(nonFiniteError(s(2), [t([0, 0]), t([1, 1]), t([NaN])], variables, 4).message).toMatch(
      /^withPlugins: non-finite gradient of variable 'nonFiniteTest\/c' \(loss 2\) at iteration 4: /,
    );
  });
});
