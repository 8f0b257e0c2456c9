import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { flipLabels } from './noise';

const labelsOf = (y: tf.Tensor2D) => Array.from(tf.tidy(() => tf.argMax(y, 1).dataSync()));

describe('flipLabels', () => {
  const made: tf.Tensor[] = [];
  afterEach(() => tf.dispose(made.splice(0)));
  const oneHot = (labels: number[]) => {
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat() as tf.Tensor2D;
    made.push(y);
    return y;
  };
  const clean = Array.from({ length: 200 }, (_, i) => i % 10);

  it('changes exactly round(fraction·n) labels, each to a different class, and no other', () => {
    const noisy = flipLabels(oneHot(clean), 0.4, 7);
    made.push(noisy.y);
    const after = labelsOf(noisy.y);
    expect(noisy.flipped.length).toBe(80);
    const flipped = new Set(noisy.flipped);
    after.forEach((label, i) => expect(label !== clean[i]).toBe(flipped.has(i)));
  });

  it('spreads the new labels over the other classes (symmetric noise)', () => {
    const labels = Array.from({ length: 5000 }, () => 3);
    const noisy = flipLabels(oneHot(labels), 0.9, 1);
    made.push(noisy.y);
    const counts = new Array<number>(10).fill(0);
    labelsOf(noisy.y).forEach((l) => counts[l]++);
    expect(counts[3]).toBe(500);
    // 4500 flips over 9 classes: 500 each expected; a binomial sd is ~21, so ±100 is 4.7 sd.
    counts.forEach((c, k) => k !== 3 && expect(Math.abs(c - 500)).toBeLessThan(100));
  });

  it('is the same for the same seed, different for another, and a copy at fraction 0', () => {
    const y = oneHot(clean);
    const [a, b, c, none] = [
      flipLabels(y, 0.3, 5),
      flipLabels(y, 0.3, 5),
      flipLabels(y, 0.3, 6),
      flipLabels(y, 0, 5),
    ];
    made.push(a.y, b.y, c.y, none.y);
    expect(labelsOf(a.y)).toEqual(labelsOf(b.y));
    expect(labelsOf(a.y)).not.toEqual(labelsOf(c.y));
    expect(labelsOf(none.y)).toEqual(clean);
    expect(none.flipped.length).toBe(0);
  });

  it.each([-0.1, 1, NaN])('refuses a fraction of %s, naming the range', (f) => {
    expect(() => flipLabels(oneHot(clean), f, 1)).toThrow(/label noise must be a fraction in \[0, 1\); got/);
  });
});
