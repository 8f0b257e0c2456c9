import { describe, expect, it } from 'vitest';
import { flipLabels, spirals, toyDataset, twoMoons, type Points } from './toy';

const count = (y: Uint8Array, label: number) => y.filter((l) => l === label).length;
const point = (p: Points, i: number): [number, number] => [p.x[2 * i], p.x[2 * i + 1]];

describe('twoMoons', () => {
  it('is a pure function of its seed', () => {
    const a = twoMoons(101, { jitter: 0.1, seed: 7 });
    const b = twoMoons(101, { jitter: 0.1, seed: 7 });
    const c = twoMoons(101, { jitter: 0.1, seed: 8 });
    expect(a.n).toBe(101);
    expect(a.x).toHaveLength(202);
    expect(b.x).toEqual(a.x);
    expect(b.y).toEqual(a.y);
    expect(c.x).not.toEqual(a.x);
  });

  it('splits n evenly, the first class taking the odd point, and shuffles the labels', () => {
    const { y } = twoMoons(101, { jitter: 0.1, seed: 1 });
    expect([count(y, 0), count(y, 1)]).toEqual([51, 50]);
    expect(Array.from(y.subarray(0, 51))).not.toEqual(new Array(51).fill(0));
  });

  it('puts class 0 on the upper unit half circle at (0, 0) and class 1 on the lower one at (1, 0.5)', () => {
    const jitter = 0.01;
    const moons = twoMoons(400, { jitter, seed: 3 });
    for (let i = 0; i < moons.n; i++) {
      const [x, y] = point(moons, i);
      const [cx, cy, side] = moons.y[i] === 0 ? [0, 0, 1] : [1, 0.5, -1];
      expect(Math.abs(Math.hypot(x - cx, y - cy) - 1)).toBeLessThan(4 * jitter);
      expect(side * (y - cy)).toBeGreaterThan(-4 * jitter); // the right half of the circle
    }
  });

  it('refuses a bad n, jitter or seed, naming the parameter, the value and the range', () => {
    expect(() => twoMoons(1, { jitter: 0, seed: 0 })).toThrow(
      new RangeError('twoMoons: n must be an integer ≥ 2; got 1'),
    );
    expect(() => twoMoons(2.5, { jitter: 0, seed: 0 })).toThrow(/n must be an integer ≥ 2; got 2.5/);
    expect(() => twoMoons(10, { jitter: -0.1, seed: 0 })).toThrow(
      new RangeError('twoMoons: jitter must be a finite number ≥ 0; got -0.1'),
    );
    expect(() => twoMoons(10, { jitter: 0, seed: 0.5 })).toThrow(/seed must be an integer; got 0.5/);
  });
});

describe('spirals', () => {
  it('is a pure function of its seed and balanced', () => {
    const a = spirals(201, { jitter: 0.05, seed: 4 });
    expect(spirals(201, { jitter: 0.05, seed: 4 }).x).toEqual(a.x);
    expect(spirals(201, { jitter: 0.05, seed: 5 }).x).not.toEqual(a.x);
    expect([count(a.y, 0), count(a.y, 1)]).toEqual([101, 100]);
  });

  it('lays two arms half a turn apart, r = 1.5·t at angle 2π·turns·t (+π for class 1)', () => {
    const turns = 2;
    const s = spirals(300, { jitter: 0, seed: 9, turns });
    for (let i = 0; i < s.n; i++) {
      const [x, y] = point(s, i);
      const t = Math.hypot(x, y) / 1.5;
      expect(t).toBeLessThanOrEqual(1);
      const expected = 2 * Math.PI * turns * t + Math.PI * s.y[i];
      // Same direction: the angle difference is a whole number of turns (up to float32 rounding).
      expect(Math.cos(Math.atan2(y, x) - expected)).toBeCloseTo(1, 4);
    }
  });

  it('fits in roughly [-1.5, 1.5]² and refuses turns ≤ 0', () => {
    const { x } = spirals(500, { jitter: 0.02, seed: 2 });
    expect(Math.max(...x.map(Math.abs))).toBeLessThan(1.6);
    expect(Math.max(...x.map(Math.abs))).toBeGreaterThan(1.3);
    expect(() => spirals(10, { jitter: 0, seed: 0, turns: 0 })).toThrow(
      new RangeError('spirals: turns must be a finite number > 0; got 0'),
    );
  });
});

describe('flipLabels', () => {
  const y = new Uint8Array(Array.from({ length: 250 }, (_, i) => i % 5));

  it('flips exactly round(fraction·n) distinct labels, never to themselves, leaving y alone', () => {
    const before = y.slice();
    for (const fraction of [0, 0.1, 0.333, 0.5, 1]) {
      const noisy = flipLabels(y, fraction, 5, 11);
      const changed = noisy.filter((label, i) => label !== y[i]).length;
      expect(changed).toBe(Math.round(fraction * 250));
      expect(Math.max(...noisy)).toBeLessThan(5);
    }
    expect(y).toEqual(before);
  });

  it('is seeded, and spreads flipped labels over every other class', () => {
    expect(flipLabels(y, 0.4, 5, 1)).toEqual(flipLabels(y, 0.4, 5, 1));
    expect(flipLabels(y, 0.4, 5, 1)).not.toEqual(flipLabels(y, 0.4, 5, 2));
    const zeros = new Uint8Array(2000);
    const noisy = flipLabels(zeros, 1, 5, 3);
    expect(count(noisy, 0)).toBe(0);
    for (const label of [1, 2, 3, 4]) expect(count(noisy, label)).toBeGreaterThan(400); // ≈ 500 each
  });

  it('flips two classes into each other', () => {
    const binary = new Uint8Array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    expect(flipLabels(binary, 1, 2, 0)).toEqual(new Uint8Array([1, 0, 1, 0, 1, 0, 1, 0, 1, 0]));
  });

  it('refuses a bad fraction, class count or label', () => {
    expect(() => flipLabels(y, 1.5, 5, 0)).toThrow(
      new RangeError('flipLabels: fraction must be in [0, 1]; got 1.5'),
    );
    expect(() => flipLabels(y, 0.1, 1, 0)).toThrow(
      new RangeError('flipLabels: classes must be an integer in [2, 256]; got 1'),
    );
    expect(() => flipLabels(y, 0.1, 4, 0)).toThrow(
      new RangeError('flipLabels: y[4] must be in [0, 3]; got 4'),
    );
  });
});

describe('toyDataset', () => {
  const options = { train: 200, test: 100, labelNoise: 0.2, jitter: 0, seed: 5 };

  it('flips exactly labelNoise·train training labels and moves no point', () => {
    const noisy = toyDataset('moons', options);
    const clean = toyDataset('moons', { ...options, labelNoise: 0 });
    expect(noisy.classes).toBe(2);
    expect([noisy.train.n, noisy.test.n]).toEqual([200, 100]);
    expect(noisy.train.x).toEqual(clean.train.x);
    expect(noisy.train.y.filter((label, i) => label !== clean.train.y[i]).length).toBe(40);
    expect(noisy.test).toEqual(clean.test);
  });

  it('keeps the test split clean: every test point lies on its own moon', () => {
    const { test } = toyDataset('moons', options);
    for (let i = 0; i < test.n; i++) {
      const [x, y] = point(test, i);
      const [cx, cy] = test.y[i] === 0 ? [0, 0] : [1, 0.5];
      expect(Math.hypot(x - cx, y - cy)).toBeCloseTo(1, 5);
    }
  });

  it('draws test points from a different stream than train points, even at jitter 0', () => {
    const { train, test } = toyDataset('spirals', { ...options, test: 200 });
    expect(test.x).not.toEqual(train.x);
    const seen = new Set(Array.from({ length: train.n }, (_, i) => point(train, i).join()));
    expect(Array.from({ length: test.n }, (_, i) => point(test, i).join()).some((p) => seen.has(p))).toBe(
      false,
    );
  });

  it('bounds every point with a margin', () => {
    const { train, test, bounds } = toyDataset('moons', { ...options, jitter: 0.1 });
    for (const p of [train, test]) {
      for (let i = 0; i < p.n; i++) {
        const [x, y] = point(p, i);
        expect(x).toBeGreaterThan(bounds.x[0]);
        expect(x).toBeLessThan(bounds.x[1]);
        expect(y).toBeGreaterThan(bounds.y[0]);
        expect(y).toBeLessThan(bounds.y[1]);
      }
    }
    // Moons span about [-1, 2] × [-0.5, 1]; the box adds 10% of the wider side (≈ 0.3) around it.
    expect(bounds.x[0]).toBeCloseTo(-1.3, 0);
    expect(bounds.x[1]).toBeCloseTo(2.3, 0);
  });

  it('checks every option before generating anything', () => {
    expect(() => toyDataset('moons', { ...options, train: 1 })).toThrow(
      new RangeError('toyDataset: train must be an integer ≥ 2; got 1'),
    );
    expect(() => toyDataset('moons', { ...options, test: 0 })).toThrow(
      new RangeError('toyDataset: test must be an integer ≥ 2; got 0'),
    );
    expect(() => toyDataset('moons', { ...options, labelNoise: 1 })).toThrow(
      new RangeError('toyDataset: labelNoise must be in [0, 1); got 1'),
    );
    expect(() => toyDataset('moons', { ...options, jitter: NaN })).toThrow(
      new RangeError('toyDataset: jitter must be a finite number ≥ 0; got NaN'),
    );
    expect(() => toyDataset('circles' as never, options)).toThrow(
      new RangeError("toyDataset: kind must be 'moons' or 'spirals'; got circles"),
    );
  });
});
