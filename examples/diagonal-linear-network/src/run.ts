import * as tf from '@tensorflow/tfjs-core';
import { withPlugins, type Plugin } from '@flatopt/core';
import { gradReg } from '@flatopt/grad-reg';
import type { Problem } from './data';
import { createDln, dlnMetrics, type DlnMetrics } from './dln';
import {
  maxRelativeError,
  predictScale,
  residual,
  ScaleIntegrals,
  shrinkageError,
  type TheoryParams,
} from './theory';

/** Plain GD, double backprop, forward or backward finite-difference GR (ε > 0 for both; backward ascends by −ε). */
export type Method =
  | { readonly kind: 'gd' }
  | { readonly kind: 'double-backprop' }
  | { readonly kind: 'forward' | 'backward'; readonly epsilon: number };

export interface RunOptions {
  /** Initialization u = v = α·1. */
  readonly alpha: number;
  /** SGD learning rate η. */
  readonly lr: number;
  /** GR strength γ (ignored by plain GD). */
  readonly gamma: number;
  /** Stop once L < threshold (L of the float32 weights, computed in float64). */
  readonly threshold: number;
  /** Stop after this many steps even if L is still above the threshold. */
  readonly maxSteps: number;
}

export interface RunResult {
  readonly method: Method;
  readonly label: string;
  readonly steps: number;
  readonly converged: boolean;
  readonly finalLoss: number;
  /** First-order gradient evaluations per step, from the step reports (GD 1, F/B-GR 2, DB 0). */
  readonly gradientEvaluationsPerStep: number;
  /** Double-backprop evaluations per step (DB 1, others 0). */
  readonly doubleBackpropEvaluationsPerStep: number;
  readonly metrics: DlnMetrics;
  /** The parameters the α' formula is evaluated with (γ = 0 for GD; signed ε). */
  readonly theory: TheoryParams;
  readonly integrals: ScaleIntegrals;
  /** α' from the formula exactly as SCIENCE.md §3 gives it. */
  readonly predicted: Float64Array;
  /** α' with the discrete-step terms added (`predictScale(..., { discrete: true })`). */
  readonly predictedDiscrete: Float64Array;
  /** max over all coordinates of |α'_pred − α'_sim| / α'_sim, formula as given. */
  readonly maxRelativeError: number;
  readonly maxRelativeErrorDiscrete: number;
  /** max over the support of the relative error of the predicted shrinkage ln(α'/α). */
  readonly shrinkageError: number;
  readonly shrinkageErrorDiscrete: number;
  readonly seconds: number;
}

export function methodLabel(method: Method, gamma: number): string {
  switch (method.kind) {
    case 'gd':
      return 'GD';
    case 'double-backprop':
      return `DB γ=${gamma}`;
    case 'forward':
      return `F-GR ε=${method.epsilon}`;
    case 'backward':
      return `B-GR ε=${method.epsilon}`;
  }
}

/** The runs of SCIENCE.md §5.7: GD, DB, forward GR at each ε, backward GR at one ε. */
export function standardMethods(
  forwardEpsilons: readonly number[],
  backwardEpsilons: readonly number[],
): Method[] {
  return [
    { kind: 'gd' },
    { kind: 'double-backprop' },
    ...forwardEpsilons.map((epsilon) => ({ kind: 'forward' as const, epsilon })),
    ...backwardEpsilons.map((epsilon) => ({ kind: 'backward' as const, epsilon })),
  ];
}

export function pluginsFor(method: Method, gamma: number): Plugin[] {
  switch (method.kind) {
    case 'gd':
      return [];
    case 'double-backprop':
      return [gradReg({ gamma, method: 'double-backprop' })];
    case 'forward':
    case 'backward':
      return [gradReg({ gamma, epsilon: method.epsilon, method: method.kind })];
  }
}

export function theoryParams(method: Method, options: RunOptions): TheoryParams {
  const { alpha, lr, gamma } = options;
  switch (method.kind) {
    case 'gd':
      return { alpha, lr, gamma: 0, epsilon: 0 };
    case 'double-backprop':
      return { alpha, lr, gamma, epsilon: 0 };
    case 'forward':
      return { alpha, lr, gamma, epsilon: method.epsilon };
    case 'backward':
      return { alpha, lr, gamma, epsilon: -method.epsilon };
  }
}

/**
 * Trains a fresh DLN with `withPlugins(tf.train.sgd(lr), ...)` and `optimizer.step`, full batch,
 * until L < threshold or maxSteps, accumulating the α' integrals in float64 from the weights each
 * step starts from; then compares the predicted α' with the simulated √(u_i·v_i).
 */
export function trainMethod(problem: Problem, method: Method, options: RunOptions): RunResult {
  const { alpha, lr, gamma, threshold, maxSteps } = options;
  const start = performance.now();
  const dln = createDln(problem, alpha);
  // The loop checks the loss (in float64) before every step, so the optimizer's own non-finite
  // check, one more sync per step, is turned off.
  const optimizer = withPlugins(tf.train.sgd(lr), ...pluginsFor(method, gamma), { nonFinite: 'ignore' });
  const integrals = new ScaleIntegrals(problem);
  let steps = 0;
  let gradientEvaluations = 0;
  let doubleBackpropEvaluations = 0;
  let converged = false;
  let finalLoss: number;
  let metrics: DlnMetrics;
  try {
    for (;;) {
      const { u, v } = dln.read();
      const { r, loss } = residual(problem, u, v);
      finalLoss = loss;
      if (!Number.isFinite(loss))
        throw new Error(`${methodLabel(method, gamma)}: loss is ${loss} at step ${steps}.`);
      if (loss < threshold) {
        converged = true;
        metrics = dlnMetrics(problem, u, v);
        break;
      }
      if (steps >= maxSteps) {
        metrics = dlnMetrics(problem, u, v);
        break;
      }
      integrals.add(u, v, r, lr);
      const report = optimizer.step(() => dln.loss(), dln.variables);
      gradientEvaluations += report.gradientEvaluations;
      doubleBackpropEvaluations += report.doubleBackpropEvaluations;
      steps++;
    }
  } finally {
    optimizer.dispose();
    dln.dispose();
  }
  const theory = theoryParams(method, options);
  const predicted = predictScale(integrals, theory);
  const predictedDiscrete = predictScale(integrals, theory, { discrete: true });
  const sim = metrics.scales;
  return {
    method,
    label: methodLabel(method, gamma),
    steps,
    converged,
    finalLoss,
    gradientEvaluationsPerStep: steps > 0 ? gradientEvaluations / steps : 0,
    doubleBackpropEvaluationsPerStep: steps > 0 ? doubleBackpropEvaluations / steps : 0,
    metrics,
    theory,
    integrals,
    predicted,
    predictedDiscrete,
    maxRelativeError: maxRelativeError(predicted, sim),
    maxRelativeErrorDiscrete: maxRelativeError(predictedDiscrete, sim),
    shrinkageError: shrinkageError(predicted, sim, alpha, problem.support),
    shrinkageErrorDiscrete: shrinkageError(predictedDiscrete, sim, alpha, problem.support),
    seconds: (performance.now() - start) / 1000,
  };
}
