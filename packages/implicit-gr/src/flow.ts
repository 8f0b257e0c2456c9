import * as tf from '@tensorflow/tfjs-core';
import {
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  customGradientOpsOnTape,
  enableSecondOrderGradients,
  FlatoptError,
  tl,
} from '@flatopt/core';

/**
 * Backward error analysis tools (Barrett & Dherin, "Implicit Gradient Regularization", ICLR 2021,
 * Theorem 3.1; SCIENCE.md §2.7). Gradient descent θₙ₊₁ = θₙ − h·∇E(θₙ) does not follow the
 * gradient flow θ̇ = −∇E, which it approximates only to O(h²) per step (O(h) over a fixed
 * horizon), but the flow of the modified loss
 *
 *     Ẽ = E + (h/4)·‖∇E‖² = E + λ·R_IG,   λ = h·m/4,   R_IG = (1/m)·Σᵢ (∂E/∂θᵢ)²,
 *
 *     θ̇ = −∇Ẽ = −(∇E + (h/2)·H∇E),
 *
 * to O(h³) per step (O(h²) over a fixed horizon). `gradientFlow` and `modifiedFlow` integrate
 * the two flows for any scalar loss over tf.Variables with classical RK4, so a gradient-descent
 * run can be compared with both.
 */

/** Options shared by `gradientFlow` and `modifiedFlow`. */
export interface FlowOptions {
  /** The integration horizon T > 0 (in the units of h·steps: T = n·h matches n GD steps). */
  readonly time: number;
  /** RK4 steps over [0, T], an integer ≥ 1; each costs 4 evaluations of the vector field. */
  readonly substeps: number;
  /**
   * Record the state every this many substeps (an integer ≥ 1; default 1, every substep). The
   * start and the end are always recorded. Each record copies every variable to plain numbers, so
   * for large models record sparsely.
   */
  readonly recordEvery?: number;
}

/** Options of `modifiedGradient`. */
export interface ModifiedGradientOptions {
  /** The gradient-descent step h > 0 whose modified loss Ẽ = E + (h/4)‖∇E‖² is meant. */
  readonly learningRate: number;
  /**
   * How H∇E is computed:
   * - `'finite-difference'` (default): the central difference
   *   H∇E ≈ (∇E(θ + s·∇E) − ∇E(θ − s·∇E))/(2s), three first-order gradients per evaluation; it
   *   works for every loss tfjs can train.
   * - `'double-backprop'`: the exact gradient of Ẽ by a gradient of the gradient (nested
   *   `tf.variableGrads`), one double-backprop evaluation. It turns on flatopt's second-order
   *   gradient fixes (`enableSecondOrderGradients` from `@flatopt/grad-reg`, global and
   *   first-order-neutral) and refuses losses with custom-gradient ops
   *   (tf.losses.softmaxCrossEntropy, tf.logSoftmax), whose second derivative tfjs gets wrong.
   */
  readonly hvp?: 'finite-difference' | 'double-backprop';
  /**
   * Finite differences only (> 0, default 3e-3): the probes θ ± s·∇E lie at distance
   * ε·max(1, ‖θ‖) from θ, as `hessianVectorProduct`'s `epsilon`, so float32 rounding costs a
   * relative error of about 6e-8/ε and truncation O(ε²) whatever the weight scale.
   */
  readonly epsilon?: number;
}

/** Options of `modifiedFlow`. */
export interface ModifiedFlowOptions extends FlowOptions, ModifiedGradientOptions {}

/** A recorded trajectory. */
export interface FlowTrajectory {
  /** The times of the recorded states, from 0 to T. */
  readonly times: number[];
  /**
   * `states[k][i]`: the values of `variables[i]` at `times[k]`, flattened in row-major order
   * (float32 values read back as plain numbers).
   */
  readonly states: number[][][];
  /** First-order gradient evaluations made (modifiedFlow with finite differences: 12 per substep). */
  readonly gradientEvaluations: number;
  /** Double-backprop evaluations made (modifiedFlow with 'double-backprop': 4 per substep). */
  readonly doubleBackpropEvaluations: number;
}

const DEFAULT_EPSILON = 3e-3;

/**
 * Integrates the exact gradient flow θ̇ = −∇E(θ) of `lossFn` over the `variables` from their
 * current values, for `time` with `substeps` classical RK4 steps, and returns the trajectory.
 * The variables are left exactly (bit for bit) as they were, also when `lossFn` throws;
 * variables the loss does not reach, or non-trainable ones, stay fixed. Gradient descent with
 * step h stays within O(h²) of this flow per step (Barrett & Dherin, Theorem 3.1).
 */
export function gradientFlow(
  lossFn: () => tf.Scalar,
  variables: readonly tf.Variable[],
  options: FlowOptions,
): FlowTrajectory {
  const owner = 'gradientFlow';
  checkKnownKeys(owner, options, ['time', 'substeps', 'recordEvery']);
  const schedule = checkSchedule(owner, options);
  checkTarget(owner, lossFn, variables);
  const counts = { gradient: 0, doubleBackprop: 0 };
  return integrate(variables, schedule, counts, (point) => {
    counts.gradient++;
    return gradientAt(lossFn, variables, point);
  });
}

/**
 * Integrates the modified flow θ̇ = −∇Ẽ(θ), Ẽ = E + (h/4)·‖∇E‖², i.e.
 * ∇Ẽ = ∇E + (h/2)·H∇E, the flow gradient descent with step h = `learningRate` follows to O(h³)
 * per step (Barrett & Dherin, Theorem 3.1: λ = h·m/4 times R_IG = ‖∇E‖²/m). Classical RK4 with
 * `substeps` steps over [0, `time`]; H∇E by central finite differences (default) or double
 * backprop, see `ModifiedGradientOptions.hvp`. The variables are left exactly as they were.
 */
export function modifiedFlow(
  lossFn: () => tf.Scalar,
  variables: readonly tf.Variable[],
  options: ModifiedFlowOptions,
): FlowTrajectory {
  const owner = 'modifiedFlow';
  checkKnownKeys(owner, options, ['time', 'substeps', 'recordEvery', 'learningRate', 'hvp', 'epsilon']);
  const schedule = checkSchedule(owner, options);
  const modified = checkModified(owner, options);
  checkTarget(owner, lossFn, variables);
  const counts = { gradient: 0, doubleBackprop: 0 };
  return integrate(variables, schedule, counts, (point) =>
    modifiedGradientAt(lossFn, variables, point, modified, counts),
  );
}

/**
 * ∇Ẽ = ∇E + (h/2)·H∇E, the gradient of the modified loss Ẽ = E + (h/4)·‖∇E‖², at the variables'
 * current values, one tensor per variable (the caller disposes them). The variables are left
 * exactly as they were.
 */
export function modifiedGradient(
  lossFn: () => tf.Scalar,
  variables: readonly tf.Variable[],
  options: ModifiedGradientOptions,
): tf.Tensor[] {
  const owner = 'modifiedGradient';
  checkKnownKeys(owner, options, ['learningRate', 'hvp', 'epsilon']);
  const modified = checkModified(owner, options);
  checkTarget(owner, lossFn, variables);
  const saved = variables.map((v) => tf.clone(v));
  try {
    return tf.tidy(() =>
      modifiedGradientAt(lossFn, variables, saved, modified, { gradient: 0, doubleBackprop: 0 }),
    );
  } finally {
    restore(variables, saved);
  }
}

interface Schedule {
  time: number;
  substeps: number;
  recordEvery: number;
}

interface Modified {
  learningRate: number;
  hvp: 'finite-difference' | 'double-backprop';
  epsilon: number;
}

function checkSchedule(owner: string, options: FlowOptions | undefined): Schedule {
  const o = (options ?? {}) as Partial<FlowOptions>;
  return {
    time: checkNumber(owner, 'time', o.time, { min: 0, exclusiveMin: true }),
    substeps: checkNumber(owner, 'substeps', o.substeps, { min: 1, integer: true }),
    recordEvery: checkNumber(owner, 'recordEvery', o.recordEvery ?? 1, { min: 1, integer: true }),
  };
}

function checkModified(owner: string, options: ModifiedGradientOptions | undefined): Modified {
  const o = (options ?? {}) as Partial<ModifiedGradientOptions>;
  return {
    learningRate: checkNumber(owner, 'learningRate', o.learningRate, { min: 0, exclusiveMin: true }),
    hvp: checkOneOf(owner, 'hvp', o.hvp ?? 'finite-difference', ['finite-difference', 'double-backprop']),
    epsilon: checkNumber(owner, 'epsilon', o.epsilon ?? DEFAULT_EPSILON, {
      min: 0,
      exclusiveMin: true,
    }),
  };
}

function checkTarget(owner: string, lossFn: unknown, variables: unknown): void {
  if (typeof lossFn !== 'function') {
    throw new FlatoptError(`${owner}: 'lossFn' must be a function returning a scalar tensor.`);
  }
  if (!Array.isArray(variables) || variables.length === 0) {
    throw new FlatoptError(`${owner}: 'variables' must be a non-empty array of tf.Variable.`);
  }
  variables.forEach((v: unknown, i) => {
    if (!(v instanceof tf.Variable)) {
      throw new FlatoptError(`${owner}: variables[${i}] must be a tf.Variable.`);
    }
    if (v.dtype !== 'float32') {
      throw new FlatoptError(`${owner}: variables[${i}] ('${v.name}') must be float32; got ${v.dtype}.`);
    }
  });
}

/** Puts every variable back on its saved copy (bit for bit) and frees the copies. */
function restore(variables: readonly tf.Variable[], saved: tf.Tensor[]): void {
  variables.forEach((v, i) => v.assign(saved[i]));
  tf.dispose(saved);
}

/** ∇E at `point` (one tensor per variable, zeros where the loss has no gradient). */
function gradientAt(
  lossFn: () => tf.Scalar,
  variables: readonly tf.Variable[],
  point: readonly tf.Tensor[],
): tf.Tensor[] {
  variables.forEach((v, i) => v.assign(point[i]));
  const { value, grads } = tf.variableGrads(lossFn, [...variables]);
  value.dispose();
  return variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
}

/** ∇Ẽ = ∇E + (h/2)·H∇E at `point`. */
function modifiedGradientAt(
  lossFn: () => tf.Scalar,
  variables: readonly tf.Variable[],
  point: readonly tf.Tensor[],
  { learningRate: h, hvp, epsilon }: Modified,
  counts: { gradient: number; doubleBackprop: number },
): tf.Tensor[] {
  if (hvp === 'double-backprop') {
    enableSecondOrderGradients();
    counts.doubleBackprop++;
    variables.forEach((v, i) => v.assign(point[i]));
    const { value, grads } = tf.variableGrads(() => {
      const inner = tf.variableGrads(lossFn, [...variables]);
      const unsafe = customGradientOpsOnTape();
      if (unsafe.length > 0) {
        throw new FlatoptError(
          `modifiedFlow: the loss uses custom-gradient ops (${unsafe.join(', ')}) whose second derivative tfjs ` +
            `computes wrongly; use hvp: 'finite-difference', or softmaxCrossEntropy from '@flatopt/grad-reg'.`,
        );
      }
      const g = variables.map((v) => inner.grads[v.name] ?? null);
      return tf.add(inner.value, tf.mul(tl.squaredNorm(g), h / 4)) as tf.Scalar;
    }, [...variables]);
    value.dispose();
    return variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
  }
  counts.gradient += 3;
  const g = gradientAt(lossFn, variables, point);
  const normSq = tl.squaredNorm(g);
  // Probes at θ ± s·g, s = r/‖g‖ (0 at g = 0) with r = ε·max(1, ‖θ‖):
  // H·g ≈ (g₊ − g₋)/(2s) = ‖g‖·(g₊ − g₋)/(2r).
  const r = tf.mul(tf.maximum(tl.globalNorm(point), 1), epsilon) as tf.Scalar;
  const s = tl.radiusScale(normSq, r);
  const plus = gradientAt(
    lossFn,
    variables,
    point.map((t, i) => tf.add(t, tf.mul(g[i], s))),
  );
  const minus = gradientAt(
    lossFn,
    variables,
    point.map((t, i) => tf.sub(t, tf.mul(g[i], s))),
  );
  // ∇Ẽ = g + (h/2)·H·g = g + c·(g₊ − g₋), c = h·‖g‖/(4r): finite (0) at g = 0.
  const c = tf.div(tf.mul(tf.sqrt(normSq), h / 4), r);
  return g.map((gi, i) => tf.add(gi, tf.mul(tf.sub(plus[i], minus[i]), c)));
}

/** Classical RK4 for θ̇ = −field(θ) from the variables' values; restores them at the end. */
function integrate(
  variables: readonly tf.Variable[],
  { time, substeps, recordEvery }: Schedule,
  counts: { gradient: number; doubleBackprop: number },
  field: (point: readonly tf.Tensor[]) => tf.Tensor[],
): FlowTrajectory {
  const dt = time / substeps;
  const saved = variables.map((v) => tf.clone(v));
  let theta: tf.Tensor[] = variables.map((v) => tf.clone(v));
  const times: number[] = [];
  const states: number[][][] = [];
  const record = (k: number) => {
    times.push(k === substeps ? time : k * dt);
    states.push(theta.map((t) => Array.from(t.dataSync())));
  };
  try {
    record(0);
    for (let k = 1; k <= substeps; k++) {
      const next = tf.tidy(() => {
        const along = (d: tf.Tensor[], by: number) => theta.map((t, i) => tf.sub(t, tf.mul(d[i], by)));
        const k1 = field(theta);
        const k2 = field(along(k1, dt / 2));
        const k3 = field(along(k2, dt / 2));
        const k4 = field(along(k3, dt));
        return theta.map((t, i) =>
          tf.sub(t, tf.mul(tf.addN([k1[i], tf.mul(k2[i], 2), tf.mul(k3[i], 2), k4[i]]), dt / 6)),
        );
      });
      tf.dispose(theta);
      theta = next;
      if (k % recordEvery === 0 || k === substeps) record(k);
    }
  } finally {
    tf.dispose(theta);
    restore(variables, saved);
  }
  return {
    times,
    states,
    gradientEvaluations: counts.gradient,
    doubleBackpropEvaluations: counts.doubleBackprop,
  };
}
