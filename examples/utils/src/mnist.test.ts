import '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadDigits, loadDigitsWithValidation } from './mnist';

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
    expect(() => loadDigits(800, 100)).toThrow(
      /trainPerDigit \+ validationPerDigit \+ testPerDigit must be ≤ 863; got 900/,
    );
  });
});

describe('loadDigitsWithValidation', () => {
  const pixels = (t: { dataSync(): ArrayLike<number> }) => Array.from(t.dataSync());

  it('adds a third split between train and test, leaving those two as loadDigits makes them', () => {
    const plain = loadDigits(5, 3);
    const three = loadDigitsWithValidation(5, 4, 3);
    expect(three.validation.x.shape).toEqual([40, 784]);
    expect(pixels(three.train.x)).toEqual(pixels(plain.train.x));
    expect(pixels(three.test.y)).toEqual(pixels(plain.test.y));
    // Disjoint: no validation image is a training or test image.
    const rows = (x: { arraySync(): number[][] }) => x.arraySync().map((r) => r.join(','));
    const seen = new Set([...rows(three.train.x as never), ...rows(three.test.x as never)]);
    expect(rows(three.validation.x as never).some((r) => seen.has(r))).toBe(false);
  });

  it('refuses a validation size below 1 and a total beyond the smallest class', () => {
    expect(() => loadDigitsWithValidation(5, 0, 3)).toThrow(
      /validationPerDigit must be an integer ≥ 1; got 0/,
    );
    expect(() => loadDigitsWithValidation(400, 400, 100)).toThrow(/must be ≤ 863; got 900/);
  });
});
