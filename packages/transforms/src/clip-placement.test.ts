import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPlugins, type Plugin } from '@flatopt/core';
import { diagonalLinearNetwork, type Dln } from '@flatopt/core/testing';
import { gradReg } from '@flatopt/grad-reg';
import { sam } from '@flatopt/sam';
import { clipByGlobalNorm, clipByValue } from './clip';

// Where a clip stands in the stack decides which gradients it clips. On the diagonal linear
// network (d = 100, n = 40; ‖∇L‖ ≈ 5.8 at its start) every gradient below comes from the float64
// closed form, taken at the float32 weights the plugins probe, and the plugins' gradients from
// computeGradients (the evaluate stage alone), so no optimizer arithmetic blurs the comparison.

type List = Float64Array[];

// Measured: 8e-8 to 1e-7 (float32 autodiff against the float64 closed form); placements differ by 3e-2 to 7e-2.
const TOLERANCE = 1e-6;
const RHO = 0.1;
const MAX_NORM = 2;
const LIMIT = 0.25;

const norm = (xs: List): number => Math.sqrt(xs.reduce((s, x) => s + x.reduce((a, v) => a + v * v, 0), 0));
const scale = (xs: List, s: number): List => xs.map((x) => x.map((v) => v * s));
const combine = (wa: number, a: List, wb: number, b: List): List =>
  a.map((x, i) => x.map((v, j) => wa * v + wb * b[i][j]));
const clipNorm = (xs: List, maxNorm: number): List => scale(xs, Math.min(1, maxNorm / norm(xs)));
const clipValue = (xs: List, limit: number): List =>
  xs.map((x) => x.map((v) => Math.min(Math.max(v, -limit), limit)));

/** ‖a − b‖ / ‖b‖. */
const relative = (a: ReadonlyArray<ArrayLike<number>>, b: List): number =>
  norm(b.map((x, i) => x.map((v, j) => a[i][j] - v))) / norm(b);

let dln: Dln;
let theta: Float32Array[];

/** ∇L in float64 at θ + shift, the sum rounded to float32 as a probe rounds it; θ is restored. */
function gradientAt(shift?: List): List {
  const vars = [dln.u, dln.v];
  if (shift)
    vars.forEach((v, i) => v.assign(tf.tensor1d(Float32Array.from(theta[i], (x, j) => x + shift[i][j]))));
  const g = dln.gradient();
  vars.forEach((v, i) => v.assign(tf.tensor1d(theta[i])));
  return g;
}

/** The gradient the stack's evaluate stage hands the optimizer, read. */
function evaluated(plugins: Plugin[]): Float32Array[] {
  const opt = withPlugins(tf.train.sgd(0.1), ...plugins);
  const { value, grads } = opt.computeGradients(dln.loss, [dln.u, dln.v]);
  const out = [dln.u, dln.v].map((v) => Float32Array.from(grads[v.name].dataSync()));
  tf.dispose([value, ...Object.values(grads)]);
  opt.dispose();
  return out;
}

/** One reported step's diagnostics; the weights are put back afterwards. */
function diagnostics(plugins: Plugin[]): Record<string, number> {
  const opt = withPlugins(tf.train.sgd(0.1), ...plugins);
  const report = opt.step(dln.loss, [dln.u, dln.v]);
  [dln.u, dln.v].forEach((v, i) => v.assign(tf.tensor1d(theta[i])));
  opt.dispose();
  return report.diagnostics;
}

/** Checks both placements against their references, and that the references tell them apart. */
function expectPlacements(
  outside: Float32Array[],
  outsideRef: List,
  inside: Float32Array[],
  insideRef: List,
  apart = true,
) {
  expect(relative(outside, outsideRef)).toBeLessThan(TOLERANCE);
  expect(relative(inside, insideRef)).toBeLessThan(TOLERANCE);
  if (apart) expect(relative(insideRef, outsideRef)).toBeGreaterThan(100 * TOLERANCE);
}

describe('clip placement relative to SAM and GR (diagonal linear network, float64 references)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dln = diagonalLinearNetwork();
    theta = [dln.u, dln.v].map((v) => Float32Array.from(v.dataSync()));
  });
  afterAll(() => dln.dispose());

  it('global norm, SAM: both placements give clip(∇L(θ + ρ·g/‖g‖)); gradNorm is ‖G‖ outside, ‖g‖ inside', () => {
    const g = gradientAt();
    const G = gradientAt(scale(g, RHO / norm(g)));
    expect(norm(G)).toBeGreaterThan(2 * MAX_NORM);
    const expected = clipNorm(G, MAX_NORM);
    // Inside, g is clipped first, but SAM normalizes it: ε̂ and so G are the same.
    expectPlacements(
      evaluated([clipByGlobalNorm({ maxNorm: MAX_NORM }), sam({ rho: RHO })]),
      expected,
      evaluated([sam({ rho: RHO }), clipByGlobalNorm({ maxNorm: MAX_NORM })]),
      expected,
      false,
    );
    expect(relative(G, expected)).toBeGreaterThan(0.5); // and clipping did something
    const out = diagnostics([clipByGlobalNorm({ maxNorm: MAX_NORM }), sam({ rho: RHO })]);
    const ins = diagnostics([sam({ rho: RHO }), clipByGlobalNorm({ maxNorm: MAX_NORM })]);
    expect(Math.abs(out['clipByGlobalNorm/gradNorm'] / norm(G) - 1)).toBeLessThan(TOLERANCE);
    expect(Math.abs(ins['clipByGlobalNorm/gradNorm'] / norm(g) - 1)).toBeLessThan(TOLERANCE);
    expect(Math.abs(norm(G) / norm(g) - 1)).toBeGreaterThan(100 * TOLERANCE);
    expect([out['clipByGlobalNorm/clipped'], ins['clipByGlobalNorm/clipped']]).toEqual([1, 1]);
    // Inside, SAM's own gradNorm sees the clipped g: ‖g‖ capped at maxNorm.
    expect(Math.abs(ins['sam/gradNorm'] / MAX_NORM - 1)).toBeLessThan(TOLERANCE);
  });

  it('global norm, unnormalized SAM (ε̂ = ρ·g): inside, the ascent shrinks with g', () => {
    const rho = 0.05;
    const g = gradientAt();
    const outsideRef = clipNorm(gradientAt(scale(g, rho)), MAX_NORM);
    const insideRef = clipNorm(gradientAt(scale(clipNorm(g, MAX_NORM), rho)), MAX_NORM);
    expectPlacements(
      evaluated([clipByGlobalNorm({ maxNorm: MAX_NORM }), sam({ rho, normalize: false })]),
      outsideRef,
      evaluated([sam({ rho, normalize: false }), clipByGlobalNorm({ maxNorm: MAX_NORM })]),
      insideRef,
    );
  });

  it('value clipping, SAM: inside, the ascent direction is that of clip(g)', () => {
    const g = gradientAt();
    const outsideRef = clipValue(gradientAt(scale(g, RHO / norm(g))), LIMIT);
    const c = clipValue(g, LIMIT);
    const insideRef = clipValue(gradientAt(scale(c, RHO / norm(c))), LIMIT);
    expectPlacements(
      evaluated([clipByValue({ limit: LIMIT }), sam({ rho: RHO })]),
      outsideRef,
      evaluated([sam({ rho: RHO }), clipByValue({ limit: LIMIT })]),
      insideRef,
    );
    const entries = g.flatMap((x) => Array.from(x));
    expect(entries.filter((v) => Math.abs(v) > LIMIT).length / entries.length).toBeGreaterThan(0.2);
  });

  it('global norm, forward GR: G = (1 − w)·g + w·∇L(θ + ε·g) clipped, or built from clipped gradients', () => {
    const [gamma, epsilon] = [0.02, 0.05];
    const w = gamma / epsilon;
    const g = gradientAt();
    const outsideRef = clipNorm(combine(1 - w, g, w, gradientAt(scale(g, epsilon))), MAX_NORM);
    const gc = clipNorm(g, MAX_NORM);
    const insideRef = combine(1 - w, gc, w, clipNorm(gradientAt(scale(gc, epsilon)), MAX_NORM));
    expectPlacements(
      evaluated([clipByGlobalNorm({ maxNorm: MAX_NORM }), gradReg({ gamma, epsilon })]),
      outsideRef,
      evaluated([gradReg({ gamma, epsilon }), clipByGlobalNorm({ maxNorm: MAX_NORM })]),
      insideRef,
    );
  });
});
