/**
 * What a step hands back besides its update: the report read in one go (loss, finiteness and
 * diagnostics packed into one tensor), the loss's finiteness carried to the apply stage of the
 * two-call protocol, and the release of diagnostics.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Step } from './step';
import type { Grads, StepReport } from './types';

/** A step's report before it is read: everything numeric packed in one tensor, read once. */
export interface PendingReport {
  readonly packed: tf.Tensor1D;
  finish(values: ArrayLike<number>): StepReport;
}

/**
 * Frees a step's diagnostics, except a diagnostic that is the step's loss itself (a plugin may
 * record the loss it returns, as SAM's reuse steps record L(θ + ε̂)): that tensor is the caller's.
 */
export function disposeDiagnostics(diagnostics: Record<string, tf.Tensor>, loss: tf.Tensor): void {
  tf.dispose(Object.values(diagnostics).filter((t) => t !== loss));
}

/**
 * Packs [flag, loss, ...diagnostics] into one tensor, to be read once, and says how to turn the
 * values into the report; `verdict(flag, loss)` decides (or throws) whether the step was skipped.
 */
export function packReport(
  step: Step,
  loss: tf.Scalar,
  flag: tf.Scalar | null,
  diagnostics: Record<string, tf.Tensor>,
  verdict: (flag: number, loss: number) => boolean,
): PendingReport {
  const keys = Object.keys(diagnostics);
  // One Pack of the scalars: a reshape of each to [1] and a concat took one kernel per value more.
  const packed = tf.tidy(() =>
    tf.stack(
      [flag ?? tf.scalar(0), loss, ...keys.map((k) => diagnostics[k])].map((t) =>
        t.rank === 0 ? t : tf.reshape(t, []),
      ),
    ),
  ) as tf.Tensor1D;
  const numbers = Object.entries(step.diagnostics).filter(
    (e): e is [string, number] => typeof e[1] === 'number',
  );
  return {
    packed,
    finish(values) {
      const skipped = verdict(values[0], values[1]);
      const out: Record<string, number> = {};
      keys.forEach((k, i) => (out[k] = values[i + 2]));
      for (const [k, v] of numbers) out[k] = v;
      return {
        loss: values[1],
        gradientEvaluations: step.gradientEvaluations,
        doubleBackpropEvaluations: step.doubleBackpropEvaluations,
        skipped,
        diagnostics: out,
      };
    },
  };
}

/**
 * Folds the loss's finiteness into the smallest gradient, for the two-call protocol on the device
 * path: applyGradients sees only gradients, and |loss|·0 is +0 for a finite loss (g − 0 = g bit
 * for bit, −0 included) and NaN otherwise, so a non-finite loss makes that gradient non-finite.
 */
export function carryLossFlag(loss: tf.Scalar, grads: Grads): Grads {
  let smallest = -1;
  grads.forEach((g, i) => {
    if (g && (smallest < 0 || g.size < grads[smallest]!.size)) smallest = i;
  });
  if (smallest < 0) return grads;
  const out = [...grads];
  out[smallest] = tf.tidy(() => tf.sub(grads[smallest]!, tf.mul(tf.abs(loss), 0)));
  grads[smallest]!.dispose();
  return out;
}
