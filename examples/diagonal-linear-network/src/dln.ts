import * as tf from '@tensorflow/tfjs-core';
import type { Problem } from './data';
import { betaOf, effectiveScale, meanOver, range } from './theory';

/**
 * The diagonal linear network of Woodworth et al. (2020), SCIENCE.md §3: β = u⊙u − v⊙v with
 * u = v = α·1 at the start (so β = 0), trained on L = ‖Xβ − y‖²/(2n), float32 (tfjs).
 */
export interface Dln {
  readonly u: tf.Variable<tf.Rank.R1>;
  readonly v: tf.Variable<tf.Rank.R1>;
  /** [u, v]: the varList for `optimizer.step`. */
  readonly variables: tf.Variable[];
  /** L = ‖Xβ − y‖²/(2n) as a differentiable scalar (twice: double backprop differentiates its gradient). */
  loss(): tf.Scalar;
  /** The current weights (one sync). */
  read(): { u: Float32Array; v: Float32Array };
  dispose(): void;
}

export function createDln(problem: Problem, alpha: number): Dln {
  if (!(alpha > 0)) throw new Error(`createDln: alpha must be > 0; got ${alpha}.`);
  const { d, n } = problem;
  const x = tf.tensor2d(problem.x, [n, d]);
  const y = tf.tensor2d(problem.y, [n, 1]);
  // No names: every run creates its own pair, and tfjs refuses a second variable of the same name.
  const init = tf.fill([d], alpha);
  const u = tf.variable(init) as tf.Variable<tf.Rank.R1>;
  const v = tf.variable(init) as tf.Variable<tf.Rank.R1>;
  init.dispose();
  const loss = () =>
    tf.tidy(() => {
      const beta = tf.sub(tf.square(u), tf.square(v)).reshape([d, 1]);
      const e = tf.sub(tf.matMul(x, beta), y);
      return tf.div(tf.sum(tf.square(e)), 2 * n) as tf.Scalar;
    });
  const read = () => {
    const both = tf.tidy(() => tf.concat([u, v]));
    const data = both.dataSync() as Float32Array;
    both.dispose();
    return { u: data.slice(0, d), v: data.slice(d) };
  };
  return {
    u,
    v,
    variables: [u, v],
    loss,
    read,
    dispose: () => tf.dispose([x, y, u, v]),
  };
}

/** What a run ends with, computed in float64 from the float32 weights. */
export interface DlnMetrics {
  /** Mean of √(u_i·v_i) over the support of β*. */
  readonly supportScale: number;
  /** Mean of √(u_i·v_i) off the support. */
  readonly offSupportScale: number;
  /** ‖β‖₁. */
  readonly l1: number;
  /** ‖β − β*‖₂. */
  readonly error: number;
  /** √(u_i·v_i) for every coordinate. */
  readonly scales: Float64Array;
  readonly beta: Float64Array;
}

export function dlnMetrics(problem: Problem, u: ArrayLike<number>, v: ArrayLike<number>): DlnMetrics {
  const beta = betaOf(u, v);
  const scales = effectiveScale(u, v);
  const off = range(problem.d).filter((i) => !problem.onSupport[i]);
  let l1 = 0;
  let sq = 0;
  for (let i = 0; i < problem.d; i++) {
    l1 += Math.abs(beta[i]);
    sq += (beta[i] - problem.betaStar[i]) ** 2;
  }
  return {
    supportScale: meanOver(scales, problem.support),
    offSupportScale: off.length > 0 ? meanOver(scales, off) : NaN,
    l1,
    error: Math.sqrt(sq),
    scales,
    beta,
  };
}
