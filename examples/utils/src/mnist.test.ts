import '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadDigits } from './mnist';

describe('loadDigits', () => {
  it('gives a fixed, shuffled, one-hot split of real digits, the same on every call', () => {
    const a = loadDigits(5, 3);
    const b = loadDigits(5, 3);
    expect(a.train.x.shape).toEqual([50, 784]);
    expect(a.test.y.shape).toEqual([30, 10]);
    const labels = Array.from(a.train.y.argMax(1).dataSync());
    expect([...new Set(labels)].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(labels.slice(0, 10)).not.toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]); // shuffled
    expect(Array.from(b.train.x.dataSync())).toEqual(Array.from(a.train.x.dataSync()));
    const pixels = a.train.x.dataSync();
    expect(Math.min(...pixels)).toBe(0);
    expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
  });

  it('refuses a split larger than the smallest digit class', () => {
    expect(() => loadDigits(800, 100)).toThrow(/trainPerDigit \+ testPerDigit must be ≤ 863; got 900/);
  });
});
