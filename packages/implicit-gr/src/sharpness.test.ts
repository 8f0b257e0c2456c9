import { disableSecondOrderGradients } from '@flatopt/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBitwiseEqual,
  flatoptErrorMessage as message,
  mlpProblem,
  readAll,
} from '@flatopt/core/testing';
import { hessianTrace, noiseSensitivity, samSharpness, topHessianEigenvalue } from './sharpness';
import { quadratic, type Quadratic } from './sharpness-fixtures';

const disposers: Array<() => void> = [];
const own = <T extends { dispose: () => void }>(x: T) => (disposers.push(() => x.dispose()), x);
afterEach(() => {
  disposers.splice(0).forEach((d) => d());
  disableSecondOrderGradients();
});

/** Runs `fn` and checks that it left the weights bit-identical and no tensor behind. */
function untouched<T>(variables: tf.Variable[], fn: () => T): T {
  const before = readAll(variables);
  const tensors = tf.memory().numTensors;
  const out = fn();
  assertBitwiseEqual('restore', 'weights after the probe', readAll(variables), before);
  expect(tf.memory().numTensors).toBe(tensors);
  return out;
}

const sumOfSquares = (xs: readonly number[]) => xs.reduce((s, x) => s + x * x, 0);

describe.each(['cpu', 'wasm'])('sharpness probes on L = ½θᵀAθ (%s)', (backend) => {
  beforeAll(() => tf.setBackend(backend));
  let q: Quadratic;
  const setup = () => (q = own(quadratic()));

  it.each(['finite-difference', 'double-backprop'] as const)(
    'topHessianEigenvalue finds λ_max = 10 within 1%% (%s)',
    (method) => {
      setup();
      const r = untouched(q.variables, () => topHessianEigenvalue(q.loss, q.variables, { method, seed: 1 }));
      const error = Math.abs(r.estimate - 10) / 10;
      console.log(
        `[${backend}] λ_max ${method}: ${r.estimate.toFixed(6)} (rel. error ${error.toExponential(2)}), spread (residual) ${r.spread.toExponential(2)}, change ${r.change.toExponential(2)}, ${r.iterations} iterations, ‖v‖ = ${r.eigenvectorNorm}`,
      );
      expect(error).toBeLessThan(0.01);
      expect(r.method).toBe(method);
      expect(r.converged).toBe(true);
      expect(r.iterations).toBeLessThan(20);
      expect(r.change).toBeLessThanOrEqual(1e-3 * r.estimate);
      // The residual bounds the distance to an eigenvalue: 10 is the nearest.
      expect(Math.abs(r.estimate - 10)).toBeLessThanOrEqual(r.spread + 1e-4);
      expect(r.eigenvectorNorm).toBeCloseTo(1, 6);
    },
  );

  it('topHessianEigenvalue: a tight tolerance converges further; iterations caps the work', () => {
    setup();
    const tight = topHessianEigenvalue(q.loss, q.variables, { tolerance: 1e-7, seed: 1 });
    expect(Math.abs(tight.estimate - 10) / 10).toBeLessThan(1e-4);
    const capped = topHessianEigenvalue(q.loss, q.variables, { iterations: 2, tolerance: 0, seed: 1 });
    expect(capped.iterations).toBe(2);
    expect(capped.converged).toBe(false);
    const one = topHessianEigenvalue(q.loss, q.variables, { iterations: 1, seed: 1 });
    expect(one.change).toBe(Infinity);
    expect(one.estimate).toBeGreaterThan(0.1);
  });

  it("hessianTrace: Hutchinson's estimate of tr(A) is within 3 standard errors, which shrink as 1/√samples", () => {
    setup();
    // For Rademacher z, Var(zᵀAz) = 2·Σ_{i≠j} A²ᵢⱼ.
    const sd = Math.sqrt(2 * q.offDiagonalSquares);
    const small = untouched(q.variables, () => hessianTrace(q.loss, q.variables, { samples: 25, seed: 3 }));
    const large = untouched(q.variables, () => hessianTrace(q.loss, q.variables, { samples: 100, seed: 4 }));
    console.log(
      `[${backend}] tr(A) = ${q.trace.toFixed(4)}: 25 samples ${small.estimate.toFixed(3)} ± ${small.spread.toFixed(3)}, ` +
        `100 samples ${large.estimate.toFixed(3)} ± ${large.spread.toFixed(3)} (theory ± ${(sd / 10).toFixed(3)}), SE ratio ${(small.spread / large.spread).toFixed(2)}`,
    );
    for (const r of [small, large]) {
      expect(Math.abs(r.estimate - q.trace)).toBeLessThan(3 * r.spread);
      expect(r.spread).toBeCloseTo(r.standardDeviation / Math.sqrt(r.samples), 10);
      expect(r.standardDeviation / sd).toBeGreaterThan(0.6);
      expect(r.standardDeviation / sd).toBeLessThan(1.4);
      expect(r.method).toBe('finite-difference');
    }
    // 4× the samples: half the standard error (the sample sd itself fluctuates, hence the band).
    expect(small.spread / large.spread).toBeGreaterThan(1.4);
    expect(small.spread / large.spread).toBeLessThan(2.8);
  });

  it('hessianTrace and topHessianEigenvalue are reproducible for a seed and change with it', () => {
    setup();
    const a = hessianTrace(q.loss, q.variables, { samples: 8, seed: 5 });
    const b = hessianTrace(q.loss, q.variables, { samples: 8, seed: 5 });
    const c = hessianTrace(q.loss, q.variables, { samples: 8, seed: 6 });
    expect(b).toEqual(a);
    expect(c.estimate).not.toBe(a.estimate);
    const e1 = topHessianEigenvalue(q.loss, q.variables, { iterations: 3, seed: 5 });
    expect(topHessianEigenvalue(q.loss, q.variables, { iterations: 3, seed: 5 })).toEqual(e1);
  });

  it('noiseSensitivity: the mean loss increase is ½σ²·tr(A) within 3 standard errors; antithetic pairs cut the error', () => {
    setup();
    const sigma = 0.1;
    const expected = 0.5 * sigma ** 2 * q.trace;
    const paired = untouched(q.variables, () => noiseSensitivity(q.loss, q.variables, { sigma, seed: 1 }));
    const plain = untouched(q.variables, () =>
      noiseSensitivity(q.loss, q.variables, { sigma, seed: 1, antithetic: false }),
    );
    // Antithetic: each value is ½ξᵀAξ exactly, of variance ½σ⁴·tr(A²).
    const theory = Math.sqrt((0.5 * sigma ** 4 * sumOfSquares(q.eigenvalues)) / 100);
    console.log(
      `[${backend}] ½σ²tr(A) = ${expected.toFixed(5)}: antithetic ${paired.estimate.toFixed(5)} ± ${paired.spread.toFixed(5)} (theory ± ${theory.toFixed(5)}), plain ${plain.estimate.toFixed(5)} ± ${plain.spread.toFixed(5)}`,
    );
    for (const r of [paired, plain]) {
      expect(Math.abs(r.estimate - expected)).toBeLessThan(3 * r.spread);
      expect(r.samples).toBe(100);
      expect(r.sigma).toBe(sigma);
    }
    expect(paired.spread / theory).toBeGreaterThan(0.7);
    expect(paired.spread / theory).toBeLessThan(1.3);
    expect(plain.spread).toBeGreaterThan(3 * paired.spread);
    expect(paired.antithetic).toBe(true);
    expect(plain.antithetic).toBe(false);
    expect(paired.loss).toBeCloseTo(q.loss().dataSync()[0], 6);
  });

  it('samSharpness equals ρ‖g‖ + ½ρ²·ĝᵀAĝ (g = Aθ)', () => {
    setup();
    const rho = 0.05;
    const theta = q.theta();
    const g = q.times(theta);
    const gNorm = Math.sqrt(sumOfSquares(Array.from(g)));
    const gHat = g.map((x) => x / gNorm);
    const curvature = q.times(gHat).reduce((s, x, i) => s + x * gHat[i], 0);
    const expected = rho * gNorm + 0.5 * rho ** 2 * curvature;
    const loss = 0.5 * q.times(theta).reduce((s, x, i) => s + x * theta[i], 0);
    const r = untouched(q.variables, () => samSharpness(q.loss, q.variables, { rho }));
    console.log(
      `[${backend}] SAM sharpness ${r.estimate.toFixed(7)} vs exact ${expected.toFixed(7)} (rel. ${(Math.abs(r.estimate - expected) / expected).toExponential(2)})`,
    );
    expect(Math.abs(r.estimate - expected) / expected).toBeLessThan(1e-4);
    expect(r.gradNorm / gNorm).toBeCloseTo(1, 5);
    expect(r.loss / loss).toBeCloseTo(1, 5);
    expect(r.perturbedLoss - r.loss).toBe(r.estimate);
    expect(r.rho).toBe(rho);
    // The default ρ is SAM's 0.05.
    expect(samSharpness(q.loss, q.variables)).toEqual(r);
  });

  it('samSharpness is 0 at a zero gradient (no NaN)', () => {
    const w = own(tf.variable(tf.zeros([3]), true, `zero-grad-${backend}`));
    const loss = () => tf.tidy(() => tf.sum(tf.square(w)) as tf.Scalar);
    const r = untouched([w], () => samSharpness(loss, [w]));
    expect(r).toEqual({ estimate: 0, loss: 0, perturbedLoss: 0, gradNorm: 0, rho: 0.05 });
  });
});

describe.each(['cpu', 'wasm'])('sharpness probes on a tanh MLP (%s)', (backend) => {
  beforeAll(() => tf.setBackend(backend));

  it('finite differences and double backprop agree; every probe restores the weights and leaks nothing', () => {
    const p = own(mlpProblem({ seed: 2 }));
    const run = <T>(fn: () => T) => untouched(p.variables, fn);
    const options = { iterations: 50, tolerance: 1e-5, seed: 2 };
    const fd = run(() =>
      topHessianEigenvalue(p.loss, p.variables, { ...options, method: 'finite-difference' }),
    );
    const db = run(() =>
      topHessianEigenvalue(p.loss, p.variables, { ...options, method: 'double-backprop' }),
    );
    const trFd = run(() =>
      hessianTrace(p.loss, p.variables, { samples: 20, seed: 2, method: 'finite-difference' }),
    );
    const trDb = run(() =>
      hessianTrace(p.loss, p.variables, { samples: 20, seed: 2, method: 'double-backprop' }),
    );
    const noise = run(() => noiseSensitivity(p.loss, p.variables, { sigma: 0.01, samples: 50 }));
    const sam = run(() => samSharpness(p.loss, p.variables));
    console.log(
      `[${backend}] MLP: λ_max ${fd.estimate.toFixed(5)} (fd, ${fd.iterations} it.) vs ${db.estimate.toFixed(5)} (db, ${db.iterations} it.); ` +
        `tr(H) ${trFd.estimate.toFixed(4)} ± ${trFd.spread.toFixed(4)} (fd) vs ${trDb.estimate.toFixed(4)} (db); ` +
        `noise(σ=0.01) ${noise.estimate.toExponential(3)} ± ${noise.spread.toExponential(2)} (½σ²tr ${(0.5e-4 * trFd.estimate).toExponential(3)}); SAM ${sam.estimate.toExponential(3)}`,
    );
    expect(Math.abs(fd.estimate - db.estimate) / db.estimate).toBeLessThan(1e-3);
    // The same Rademacher vectors: the two traces differ only by the HVP error.
    expect(Math.abs(trFd.estimate - trDb.estimate) / Math.abs(trDb.estimate)).toBeLessThan(1e-3);
    // At small σ the noise probe measures ½σ²·tr(H).
    expect(Math.abs(noise.estimate - 0.5e-4 * trFd.estimate)).toBeLessThan(
      3 * noise.spread + 3 * 0.5e-4 * trFd.spread,
    );
    expect(sam.estimate).toBeGreaterThan(0);
  });
});

describe.each(['cpu', 'wasm'])('sharpness probes refuse bad input (%s)', (backend) => {
  beforeAll(() => tf.setBackend(backend));

  it.each([
    [
      'topHessianEigenvalue',
      { iterations: 0 },
      "topHessianEigenvalue: option 'iterations' must be an integer ≥ 1; got 0.",
    ],
    [
      'topHessianEigenvalue',
      { iterations: 2.5 },
      "topHessianEigenvalue: option 'iterations' must be an integer ≥ 1; got 2.5.",
    ],
    [
      'topHessianEigenvalue',
      { tolerance: -1 },
      "topHessianEigenvalue: option 'tolerance' must be a finite number ≥ 0; got -1.",
    ],
    [
      'topHessianEigenvalue',
      { epsilon: 0 },
      "topHessianEigenvalue: option 'epsilon' must be a finite number > 0; got 0.",
    ],
    [
      'topHessianEigenvalue',
      { seed: -1 },
      "topHessianEigenvalue: option 'seed' must be an integer ≥ 0; got -1.",
    ],
    [
      'topHessianEigenvalue',
      { method: 'lanczos' },
      "topHessianEigenvalue: option 'method' must be one of 'finite-difference', 'double-backprop'; got \"lanczos\".",
    ],
    [
      'topHessianEigenvalue',
      { samples: 3 },
      "topHessianEigenvalue: unknown option 'samples'; allowed options are 'iterations', 'tolerance', 'seed', 'method', 'epsilon'.",
    ],
    ['hessianTrace', { samples: 0 }, "hessianTrace: option 'samples' must be an integer ≥ 2; got 0."],
    ['hessianTrace', { samples: 1 }, "hessianTrace: option 'samples' must be an integer ≥ 2; got 1."],
    [
      'hessianTrace',
      { epsilon: -0.01 },
      "hessianTrace: option 'epsilon' must be a finite number > 0; got -0.01.",
    ],
    [
      'noiseSensitivity',
      { sigma: 0 },
      "noiseSensitivity: option 'sigma' must be a finite number > 0; got 0.",
    ],
    [
      'noiseSensitivity',
      { sigma: -0.1 },
      "noiseSensitivity: option 'sigma' must be a finite number > 0; got -0.1.",
    ],
    ['noiseSensitivity', {}, "noiseSensitivity: option 'sigma' must be a finite number > 0; got undefined."],
    [
      'noiseSensitivity',
      { sigma: 0.1, samples: -5 },
      "noiseSensitivity: option 'samples' must be an integer ≥ 2; got -5.",
    ],
    [
      'noiseSensitivity',
      { sigma: 0.1, antithetic: 1 },
      "noiseSensitivity: option 'antithetic' must be true or false; got 1.",
    ],
    ['samSharpness', { rho: 0 }, "samSharpness: option 'rho' must be a finite number > 0; got 0."],
    ['samSharpness', { rho: -0.05 }, "samSharpness: option 'rho' must be a finite number > 0; got -0.05."],
    [
      'samSharpness',
      { rho: Infinity },
      "samSharpness: option 'rho' must be a finite number > 0; got Infinity.",
    ],
  ] as const)('%s(%o)', (name, options, expected) => {
    const q = own(quadratic());
    const probe = { topHessianEigenvalue, hessianTrace, noiseSensitivity, samSharpness }[name] as (
      l: () => tf.Scalar,
      v: tf.Variable[],
      o: object,
    ) => unknown;
    expect(untouched(q.variables, () => message(() => probe(q.loss, q.variables, options)))).toBe(expected);
  });

  const probes = [
    [
      'topHessianEigenvalue',
      (l: () => tf.Scalar, v: tf.Variable[]) => topHessianEigenvalue(l, v, { iterations: 5 }),
    ],
    ['hessianTrace', (l: () => tf.Scalar, v: tf.Variable[]) => hessianTrace(l, v, { samples: 4 })],
    [
      'noiseSensitivity',
      (l: () => tf.Scalar, v: tf.Variable[]) => noiseSensitivity(l, v, { sigma: 0.1, samples: 4 }),
    ],
    ['samSharpness', (l: () => tf.Scalar, v: tf.Variable[]) => samSharpness(l, v)],
  ] as const;

  it.each(probes)('%s names the variables the loss does not depend on, weights untouched', (name, probe) => {
    const q = own(quadratic());
    const unused = own(tf.variable(tf.zeros([3]), true, `unused-${name}-${backend}`));
    const frozen = own(tf.variable(tf.zeros([2]), false, `frozen-${name}-${backend}`));
    const all = [...q.variables, unused];
    const noGradient = `${name}: the loss does not depend on variable(s) 'unused-${name}-${backend}', so they have no gradient; pass only the variables the loss uses. The weights were not changed.`;
    expect(untouched(all, () => message(() => probe(q.loss, all)))).toBe(noGradient);
    // No variable has a gradient at all.
    expect(untouched(all, () => message(() => probe(q.loss, [unused])))).toBe(noGradient);
    expect(untouched(all, () => message(() => probe(q.loss, [...q.variables, frozen])))).toBe(
      `${name}: variable 'frozen-${name}-${backend}' is not trainable, so it has no gradient; pass only trainable variables.`,
    );
    expect(untouched(all, () => message(() => probe(q.loss, [])))).toBe(
      `${name}: 'variables' must be a non-empty array of tf.Variable; got an array of length 0.`,
    );
  });

  it.each(probes)(
    '%s restores the weights bit for bit and leaks nothing when the loss throws midway',
    (_name, probe) => {
      const q = own(quadratic());
      for (const failAt of [1, 2]) {
        let calls = 0;
        const loss = () => {
          if (++calls === failAt) throw new Error(`boom ${failAt}`);
          return q.loss();
        };
        untouched(q.variables, () => expect(() => probe(loss, q.variables)).toThrow(`boom ${failAt}`));
      }
    },
  );
});
