import type { Problem } from './data';

/**
 * The effective-initialization prediction of SCIENCE.md §3 (Karakida et al.'s mechanism, in the
 * form derived there), in float64. Under gradient regularization the product u_i·v_i of the
 * diagonal linear network β = u⊙u − v⊙v is no longer conserved; it shrinks, and the run ends at
 * the minimum-Q_{α'} interpolator with a per-coordinate effective initialization
 *
 *   α'_i = α · exp(−(4γ + 2η)·∫r_i² dt − 16γε·∫r_i·(M(r⊙w))_i dt),
 *
 * r = Xᵀ(Xβ − y)/n (= ∂L/∂β), M = XᵀX/n, w = u⊙u + v⊙v, t = η × steps. Plain GD is γ = 0 (the 2η
 * term alone, implicit GR); double backprop is ε = 0; forward GR is ε > 0 and backward GR is the
 * same with −ε.
 */

export interface Residual {
  /** r = Xᵀ(Xβ − y)/n, the gradient of L with respect to β. */
  readonly r: Float64Array;
  /** L = ‖Xβ − y‖²/(2n). */
  readonly loss: number;
}

/** β = u⊙u − v⊙v. */
export function betaOf(u: ArrayLike<number>, v: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: u.length }, (_, i) => u[i] * u[i] - v[i] * v[i]);
}

/** r and L at the weights (u, v), in float64. */
export function residual(problem: Problem, u: ArrayLike<number>, v: ArrayLike<number>): Residual {
  const { d, n, x64, y64 } = problem;
  const beta = betaOf(u, v);
  const e = new Float64Array(n);
  let sq = 0;
  for (let a = 0; a < n; a++) {
    let s = -y64[a];
    for (let i = 0; i < d; i++) s += x64[a * d + i] * beta[i];
    e[a] = s;
    sq += s * s;
  }
  return { r: transposeTimes(problem, e), loss: sq / (2 * n) };
}

/** M·z = XᵀX·z/n. */
export function gramTimes(problem: Problem, z: ArrayLike<number>): Float64Array {
  const { d, n, x64 } = problem;
  const e = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += x64[a * d + i] * z[i];
    e[a] = s;
  }
  return transposeTimes(problem, e);
}

/** Xᵀ·e/n. */
function transposeTimes(problem: Problem, e: Float64Array): Float64Array {
  const { d, n, x64 } = problem;
  const out = new Float64Array(d);
  for (let a = 0; a < n; a++) {
    const ea = e[a];
    for (let i = 0; i < d; i++) out[i] += x64[a * d + i] * ea;
  }
  for (let i = 0; i < d; i++) out[i] /= n;
  return out;
}

/**
 * The time integrals the prediction needs, accumulated along a run (left Riemann sums, dt = η
 * per step, the integrand read at the weights the step starts from). Besides the two integrals of
 * the formula it keeps ∫m_i² dt and ∫r_i⁴ dt (m = M(r⊙w)), which the discrete-step correction of
 * `predictScale(..., { discrete: true })` uses.
 */
export class ScaleIntegrals {
  /** ∫ r_i² dt. */
  readonly rSq: Float64Array;
  /** ∫ r_i·(M(r⊙w))_i dt. */
  readonly rM: Float64Array;
  /** ∫ (M(r⊙w))_i² dt. */
  readonly mSq: Float64Array;
  /** ∫ r_i⁴ dt. */
  readonly rFourth: Float64Array;
  steps = 0;
  time = 0;

  constructor(readonly problem: Problem) {
    const d = problem.d;
    this.rSq = new Float64Array(d);
    this.rM = new Float64Array(d);
    this.mSq = new Float64Array(d);
    this.rFourth = new Float64Array(d);
  }

  /** Adds one step of length dt taken from the weights (u, v), whose residual correlation is r. */
  add(u: ArrayLike<number>, v: ArrayLike<number>, r: Float64Array, dt: number): void {
    const d = this.problem.d;
    const rw = Float64Array.from({ length: d }, (_, i) => r[i] * (u[i] * u[i] + v[i] * v[i]));
    const m = gramTimes(this.problem, rw);
    for (let i = 0; i < d; i++) {
      const r2 = r[i] * r[i];
      this.rSq[i] += dt * r2;
      this.rM[i] += dt * r[i] * m[i];
      this.mSq[i] += dt * m[i] * m[i];
      this.rFourth[i] += dt * r2 * r2;
    }
    this.steps++;
    this.time += dt;
  }
}

export interface TheoryParams {
  /** The initialization u = v = α·1. */
  readonly alpha: number;
  /** The SGD learning rate η. */
  readonly lr: number;
  /** GR strength γ (0 for plain GD). */
  readonly gamma: number;
  /** Signed ascent step: +ε forward, −ε backward, 0 for double backprop and plain GD. */
  readonly epsilon: number;
}

export interface PredictOptions {
  /**
   * Add the leading discrete-step terms of a GR step that the formula leaves out (derived in the
   * README): −16γη∫r·m dt − 32γ²η∫m² dt − 8γ²η∫r⁴ dt. The first acts as ε → ε + η. Default false:
   * the formula exactly as SCIENCE.md §3 gives it.
   */
  readonly discrete?: boolean;
}

/** α'_i for every coordinate. */
export function predictScale(
  integrals: ScaleIntegrals,
  params: TheoryParams,
  options: PredictOptions = {},
): Float64Array {
  const { alpha, lr, gamma, epsilon } = params;
  const { rSq, rM, mSq, rFourth } = integrals;
  return Float64Array.from({ length: rSq.length }, (_, i) => {
    let exponent = -(4 * gamma + 2 * lr) * rSq[i] - 16 * gamma * epsilon * rM[i];
    if (options.discrete) {
      exponent -=
        16 * gamma * lr * rM[i] + 32 * gamma * gamma * lr * mSq[i] + 8 * gamma * gamma * lr * rFourth[i];
    }
    return alpha * Math.exp(exponent);
  });
}

/** √(u_i·v_i), the simulated effective scale (signed, −√|u_i·v_i|, should the product turn negative). */
export function effectiveScale(u: ArrayLike<number>, v: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: u.length }, (_, i) => {
    const p = u[i] * v[i];
    return Math.sign(p) * Math.sqrt(Math.abs(p));
  });
}

/** max_i |predicted_i − simulated_i| / |simulated_i| over the coordinates given (all by default). */
export function maxRelativeError(
  predicted: ArrayLike<number>,
  simulated: ArrayLike<number>,
  coords: readonly number[] = range(simulated.length),
): number {
  let worst = 0;
  for (const i of coords)
    worst = Math.max(worst, Math.abs(predicted[i] - simulated[i]) / Math.abs(simulated[i]));
  return worst;
}

/**
 * The same for the shrinkage itself: max_i |ln(pred_i/α) − ln(sim_i/α)| / |ln(sim_i/α)|. α' moves
 * only a few percent away from α here, so "α' within 1%" would hold even for the prediction
 * α' = α; this measure does not.
 */
export function shrinkageError(
  predicted: ArrayLike<number>,
  simulated: ArrayLike<number>,
  alpha: number,
  coords: readonly number[],
): number {
  let worst = 0;
  for (const i of coords) {
    const sim = Math.log(simulated[i] / alpha);
    worst = Math.max(worst, Math.abs(Math.log(predicted[i] / alpha) - sim) / Math.abs(sim));
  }
  return worst;
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The mean of `values` over `coords`. */
export function meanOver(values: ArrayLike<number>, coords: readonly number[]): number {
  let s = 0;
  for (const i of coords) s += values[i];
  return s / coords.length;
}
