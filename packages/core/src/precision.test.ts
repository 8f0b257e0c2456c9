import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { halfPrecision, lostFraction, scaledNorm, sphere } from './precision';
import { radiusScale, squaredNorm } from './tensor-list';

const num = (s: tf.Scalar): number => {
  const v = s.dataSync()[0];
  s.dispose();
  return v;
};
const inputs: tf.Tensor[] = [];
const t = (values: number[]) => {
  const x = tf.tensor1d(values);
  inputs.push(x);
  return x;
};
/** shift·scale read as plain numbers, the step a probe would take. */
const step = ({ shift, scale }: { shift: Array<tf.Tensor | null>; scale: tf.Scalar }) => {
  const out = shift.map((s) => (s ? Array.from(tf.tidy(() => tf.mul(s, scale)).dataSync()) : null));
  tf.dispose([scale, ...shift.filter((s): s is tf.Tensor => s !== null && !inputs.includes(s))]);
  return out;
};

describe.each(['cpu', 'wasm'])('precision on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });
  afterEach(() => {
    tf.dispose(inputs.splice(0));
    vi.restoreAllMocks();
  });

  it('a float32 backend is not half precision; a backend reporting 16 bits is', () => {
    expect(halfPrecision()).toBe(false);
    vi.spyOn(tf.backend(), 'floatPrecision').mockReturnValue(16);
    expect(halfPrecision()).toBe(true);
  });

  it('scaledNorm is the global L2 norm, also where Σa² overflows float32', () => {
    expect(num(scaledNorm([t([3]), null, t([0, 4])]))).toBeCloseTo(5, 6);
    expect(num(scaledNorm([t([0, 0]), null]))).toBe(0);
    expect(num(scaledNorm([null]))).toBe(0);
    // ‖(1e20, 1e20)‖ = √2·1e20, where the plain Σa² is 2e40 > float32's 3.4e38.
    const big = [t([1e20, -1e20])];
    expect(num(squaredNorm(big))).toBe(Infinity);
    expect(num(scaledNorm(big)) / (Math.SQRT2 * 1e20)).toBeCloseTo(1, 6);
    // ‖(1e-25, 1e-25)‖, where each square (1e-50) is below float32's smallest subnormal.
    const tiny = [t([1e-25, 1e-25])];
    expect(num(squaredNorm(tiny))).toBe(0);
    expect(num(scaledNorm(tiny)) / (Math.SQRT2 * 1e-25)).toBeCloseTo(1, 6);
  });

  it('sphere in float32 is the shift with radiusScale(‖normed‖²), bit for bit', () => {
    const g = [t([0.3, -1.2]), null, t([2])];
    const normSq = squaredNorm(g);
    const expected = radiusScale(normSq, 0.05);
    const s = sphere(g, g, 0.05, () => normSq, false);
    expect(s.shift).toEqual(g);
    expect(num(s.scale)).toBe(num(expected));
    normSq.dispose();
  });

  it.each([1e-30, 1e-3, 1, 1e30])(
    'sphere in half precision takes the step r·g/‖g‖ for a gradient of size %s, with no overflow',
    (size) => {
      const g = [t([3 * size]), t([-4 * size]), null];
      const taken = step(sphere(g, g, 0.5, () => tf.scalar(NaN), true));
      expect(taken[0]![0]).toBeCloseTo(0.3, 6);
      expect(taken[1]![0]).toBeCloseTo(-0.4, 6);
      expect(taken[2]).toBeNull();
    },
  );

  it('sphere in half precision: ASAM form shift/‖normed‖, and a zero list gives a zero step', () => {
    const taken = step(sphere([t([6, 0])], [t([3, 4])], 1, () => tf.scalar(NaN), true));
    expect(taken[0]![0]).toBeCloseTo(6 / 5, 6);
    expect(step(sphere([t([0, 0])], [t([0, 0])], 1, () => tf.scalar(NaN), true))).toEqual([[0, 0]]);
  });

  it('lostFraction: 0 when the perturbation arrived, 1 when the weights did not move', () => {
    const [before, intended] = [
      [t([1, 2]), null],
      [t([0.5, -1]), null],
    ];
    expect(num(lostFraction(before, [t([1.5, 1]), null], intended))).toBe(0);
    expect(num(lostFraction(before, before, intended))).toBe(1);
    // Half of one of two equal components lost: ‖(0.25, 0)‖/‖(0.5, 0.5)‖ ≈ 0.354.
    const halfLost = num(lostFraction([t([1, 1])], [t([1.25, 1.5])], [t([0.5, 0.5])]));
    expect(halfLost).toBeCloseTo(Math.hypot(0.25, 0) / Math.hypot(0.5, 0.5), 6);
    expect(num(lostFraction([t([1])], [t([1])], [t([0])]))).toBe(0);
  });
});
