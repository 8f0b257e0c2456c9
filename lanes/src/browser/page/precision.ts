/**
 * What half precision does to each method, measured against float32 in the same page (the cpu
 * backend): SAM's ascent at gradient sizes where ‖g‖² overflows or vanishes in float16, weight
 * normalization of weights whose norm overflows, and the error a perturbation too small for
 * float16 gets. Runs in the browser.
 */
import * as tf from '@tensorflow/tfjs';
import { withPlugins, type Plugin, type StepReport } from '@flatopt/core';
import { mlpProblem, useBackend, type BackendName, type Problem } from '@flatopt/core/testing';
import { gradReg } from '@flatopt/grad-reg';
import { sam } from '@flatopt/sam';
import { weightNorm } from '@flatopt/weight-norm';
import { readValues } from './bits';

/** The kit's problem with its loss multiplied by `factor` (so every gradient is too). */
function scaledLoss(problem: Problem, factor: number) {
  return () => tf.tidy(() => tf.mul(problem.loss(), factor) as tf.Scalar);
}

export interface AscentFigures {
  gradNorm: number;
  ascentNorm: number;
  /** perturbed − unperturbed loss (SAM's sharpness estimate), divided by the loss factor. */
  sharpness: number;
  finite: boolean;
}

/** One SAM step (ρ 0.05, SGD with learning rate 0) on the kit problem with its loss × `factor`. */
export async function samAscent(backend: BackendName, factor: number): Promise<AscentFigures> {
  await useBackend(backend);
  const p = mlpProblem({ seed: 5 });
  const opt = withPlugins(tf.train.sgd(0), sam({ rho: 0.05 }));
  try {
    const report: StepReport = await opt.stepAsync(scaledLoss(p, factor), p.variables);
    await opt.settled();
    const d = report.diagnostics;
    const weights = await readValues(p.variables);
    return {
      gradNorm: d['sam/gradNorm'] / factor,
      ascentNorm: d['sam/ascentNorm'],
      sharpness: d['sam/sharpness'] / factor,
      finite: weights.every((w) => w.every(Number.isFinite)),
    };
  } finally {
    opt.dispose();
    p.dispose();
  }
}

/**
 * weightNorm on an [8, 3] weight whose per-unit norms are ~`size` (past float16's 256 at 1000:
 * ‖w‖² ~1e6), trained one step at learning rate 0 on a linear loss: the weight must come back as
 * it was, which needs ‖v‖ to be finite. Returns the largest relative change of an entry.
 */
export async function weightNormRoundTrip(backend: BackendName, size: number): Promise<number> {
  await useBackend(backend);
  const w = tf.variable(
    tf.tidy(() => tf.mul(tf.randomNormal([8, 3], 0, 1, 'float32', 7), size / Math.sqrt(8))),
  );
  const x = tf.randomNormal([4, 8], 0, 1, 'float32', 8);
  const opt = withPlugins(tf.train.sgd(0), weightNorm());
  try {
    const [before] = await readValues([w]);
    opt.minimize(() => tf.tidy(() => tf.mul(tf.mean(tf.matMul(x, w)), 1e-3) as tf.Scalar), false, [w]);
    await opt.settled();
    const [after] = await readValues([w]);
    return before.reduce((worst, b, j) => Math.max(worst, Math.abs(after[j] - b) / Math.abs(b)), 0);
  } finally {
    opt.dispose();
    tf.dispose([w, x]);
  }
}

const TINY: Record<string, () => Plugin> = {
  'sam rho 1e-5': () => sam({ rho: 1e-5 }),
  'gradReg forward epsilon 1e-5': () => gradReg({ method: 'forward', gamma: 1e-5, epsilon: 1e-5 }),
};
export const TINY_PROBES = Object.keys(TINY);

/** Trains three steps with a perturbation far below float16's resolution; returns the error raised. */
export async function tinyProbe(backend: BackendName, name: string): Promise<string | null> {
  await useBackend(backend);
  const p = mlpProblem({ seed: 5 });
  const opt = withPlugins(tf.train.sgd(0.01), TINY[name]());
  try {
    for (let i = 0; i < 3; i++) opt.minimize(p.loss, false, p.variables);
    await opt.settled();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    opt.dispose();
    p.dispose();
  }
}
