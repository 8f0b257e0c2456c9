import { describe, expect, it } from 'vitest';
import { sparseRegression, type Problem } from './data';
import {
  betaOf,
  effectiveScale,
  gramTimes,
  maxRelativeError,
  meanOver,
  predictScale,
  residual,
  ScaleIntegrals,
  shrinkageError,
} from './theory';

/** A 2×3 problem small enough to check by hand. */
function tiny(): Problem {
  const x = Float32Array.from([1, 2, 0, -1, 0, 3]);
  const y = Float32Array.from([1, 2]);
  const betaStar = Float64Array.from([1, 0, 0]);
  return {
    d: 3,
    n: 2,
    k: 1,
    seed: 0,
    x,
    y,
    x64: Float64Array.from(x),
    y64: Float64Array.from(y),
    betaStar,
    support: [0],
    onSupport: [true, false, false],
  };
}

describe('residual and gramTimes', () => {
  it('compute r = Xᵀ(Xβ − y)/n, L = ‖Xβ − y‖²/(2n) and M·z = XᵀX·z/n', () => {
    const p = tiny();
    // u = (1, 1, 1), v = (0, 1, 0): β = (1, 0, 1); Xβ = (1, 2); e = (0, 0) → r = 0, L = 0.
    const zero = residual(p, [1, 1, 1], [0, 1, 0]);
    expect(Array.from(zero.r)).toEqual([0, 0, 0]);
    expect(zero.loss).toBe(0);
    // u = v: β = 0, e = −y = (−1, −2); r = Xᵀe/2 = ((−1 + 2)/2, −2/2, −6/2); L = 5/4.
    const start = residual(p, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]);
    expect(Array.from(start.r)).toEqual([0.5, -1, -3]);
    expect(start.loss).toBe(1.25);
    // XᵀX = [[2, 2, −3], [2, 4, 0], [−3, 0, 9]]; M·(1, 0, 1) = (−1, 2, 6)/2.
    expect(Array.from(gramTimes(p, [1, 0, 1]))).toEqual([-0.5, 1, 3]);
    expect(Array.from(betaOf([2, 1], [1, 3]))).toEqual([3, -8]);
  });
});

describe('ScaleIntegrals and predictScale', () => {
  it('accumulate dt·r², dt·r·M(r⊙w), dt·m² and dt·r⁴ as left Riemann sums', () => {
    const p = tiny();
    const acc = new ScaleIntegrals(p);
    const u = [1, 0.5, 2];
    const v = [0, 0.5, 1];
    const r = Float64Array.from([1, -2, 0.5]);
    acc.add(u, v, r, 0.1);
    acc.add(u, v, r, 0.1);
    // w = (1, 0.5, 5); r⊙w = (1, −1, 2.5); M·(r⊙w) = (2 − 2 − 7.5, 2 − 4, −3 + 22.5)/2 = (−3.75, −1, 9.75).
    const m = [-3.75, -1, 9.75];
    const close = (a: Float64Array, b: number[]) => a.forEach((x, i) => expect(x).toBeCloseTo(b[i], 12));
    close(acc.rSq, [0.2, 0.8, 0.05]);
    close(acc.rM, [0.2 * -3.75, 0.2 * 2, 0.2 * 0.5 * 9.75]);
    close(
      acc.mSq,
      m.map((x) => 0.2 * x * x),
    );
    close(acc.rFourth, [0.2, 0.2 * 16, 0.2 * 0.0625]);
    expect(acc.steps).toBe(2);
    expect(acc.time).toBeCloseTo(0.2, 15);
    const params = { alpha: 0.5, lr: 0.02, gamma: 0.1, epsilon: -0.2 };
    const asGiven = predictScale(acc, params);
    const discrete = predictScale(acc, params, { discrete: true });
    for (let i = 0; i < 3; i++) {
      const e = -(0.4 + 0.04) * acc.rSq[i] - 16 * 0.1 * -0.2 * acc.rM[i];
      expect(asGiven[i]).toBeCloseTo(0.5 * Math.exp(e), 14);
      const extra =
        -16 * 0.1 * 0.02 * acc.rM[i] - 32 * 0.01 * 0.02 * acc.mSq[i] - 8 * 0.01 * 0.02 * acc.rFourth[i];
      expect(discrete[i]).toBeCloseTo(0.5 * Math.exp(e + extra), 14);
    }
    // Nothing accumulated: α' = α.
    expect(Array.from(predictScale(new ScaleIntegrals(p), params))).toEqual([0.5, 0.5, 0.5]);
  });
});

describe('error measures', () => {
  it('compare α′ and the shrinkage ln(α′/α) coordinate by coordinate', () => {
    expect(Array.from(effectiveScale([4, 1, -1], [1, 0.25, 4]))).toEqual([2, 0.5, -2]);
    expect(maxRelativeError([1.01, 2], [1, 2])).toBeCloseTo(0.01, 12);
    expect(maxRelativeError([1.01, 3], [1, 2], [0])).toBeCloseTo(0.01, 12);
    // α = 1, simulated shrinkage ln 0.9, predicted ln 0.95: relative error |ln .95 − ln .9| / |ln .9|.
    expect(shrinkageError([0.95], [0.9], 1, [0])).toBeCloseTo(Math.log(0.95 / 0.9) / -Math.log(0.9), 12);
    expect(meanOver([1, 2, 3, 4], [1, 3])).toBe(3);
  });
});

/** Full-batch training in float64 with the closed-form gradient and HVP of SCIENCE.md §2.1. */
function simulate64(p: Problem, gamma: number, lr: number, steps: number) {
  let u = new Float64Array(p.d).fill(0.5);
  let v = new Float64Array(p.d).fill(0.5);
  const acc = new ScaleIntegrals(p);
  for (let s = 0; s < steps; s++) {
    const { r } = residual(p, u, v);
    acc.add(u, v, r, lr);
    const gu = u.map((x, i) => 2 * x * r[i]);
    const gv = v.map((x, i) => -2 * x * r[i]);
    const dr = gramTimes(
      p,
      u.map((x, i) => 2 * x * gu[i] - 2 * v[i] * gv[i]),
    );
    const hu = gu.map((a, i) => 2 * a * r[i] + 2 * u[i] * dr[i]);
    const hv = gv.map((c, i) => -2 * c * r[i] - 2 * v[i] * dr[i]);
    u = u.map((x, i) => x - lr * (gu[i] + gamma * hu[i]));
    v = v.map((x, i) => x - lr * (gv[i] + gamma * hv[i]));
  }
  return { sim: effectiveScale(u, v), acc, loss: residual(p, u, v).loss };
}

describe('the α′ formula against float64 training (no tfjs)', () => {
  const p = sparseRegression({ d: 30, n: 15, k: 3, seed: 1 });

  it('plain GD: exp(−2η∫r²dt) reproduces the exact per-step factors (1 − 4η²r²), shrinkage within 1%', () => {
    const { sim, acc, loss } = simulate64(p, 0, 0.02, 1500);
    expect(loss).toBeLessThan(1e-10);
    const pred = predictScale(acc, { alpha: 0.5, lr: 0.02, gamma: 0, epsilon: 0 });
    expect(maxRelativeError(pred, sim)).toBeLessThan(1e-5);
    expect(shrinkageError(pred, sim, 0.5, p.support)).toBeLessThan(0.01);
    expect(meanOver(sim, p.support)).toBeLessThan(0.4995); // GD's implicit GR shrinks it measurably
  });

  it('double backprop: α′ within 1%, but the shrinkage needs the discrete-step terms (γη) to be right', () => {
    const { sim, acc, loss } = simulate64(p, 0.1, 0.02, 1500);
    expect(loss).toBeLessThan(1e-10);
    const params = { alpha: 0.5, lr: 0.02, gamma: 0.1, epsilon: 0 };
    const asGiven = predictScale(acc, params);
    const discrete = predictScale(acc, params, { discrete: true });
    expect(maxRelativeError(asGiven, sim)).toBeLessThan(0.01);
    expect(shrinkageError(asGiven, sim, 0.5, p.support)).toBeGreaterThan(0.05);
    expect(shrinkageError(discrete, sim, 0.5, p.support)).toBeLessThan(0.01);
    expect(maxRelativeError(discrete, sim)).toBeLessThan(maxRelativeError(asGiven, sim) / 5);
  });
});
