import * as tf from '@tensorflow/tfjs-core';
import { FlatoptError, type FiniteCheck, type PluggedOptimizer } from '@flatopt/core';
import { assertBitwiseEqual, readAll } from '../bitwise';
import { ConformanceError } from '../errors';
import { mlpProblem, type Problem } from '../problems';
import { lossOf, plugged, type ConformanceSubject, type OptimizerName } from '../subject';

type Loss = () => tf.Scalar | tf.Tensor1D;

/** The loss times NaN: a non-finite loss (and gradients). */
const nanLoss =
  (loss: Loss): Loss =>
  () =>
    tf.tidy(() => tf.mul(loss(), NaN) as tf.Scalar);

/**
 * A finite loss whose gradient is not: + Σ√(0·w₁) adds 0 to the value and 0·∞ = NaN to the
 * gradient of the first variable.
 */
const nanGradient =
  (loss: Loss, p: Problem): Loss =>
  () =>
    tf.tidy(() => tf.add(loss(), tf.sum(tf.sqrt(tf.mul(p.variables[0], 0)))) as tf.Scalar);

/** Everything a step may change: the weights and the plugged optimizer's state (inner and plugins'). */
async function snapshot(p: Problem, opt: PluggedOptimizer): Promise<Float32Array[]> {
  const state = (await opt.getWeights()).map((w) => w.tensor);
  return [...p.read(), ...readAll(state)];
}

/** Runs a step that must fail, and checks that it surfaces as flatopt's non-finite error. */
async function failingStep(check: string, opt: PluggedOptimizer, run: () => void): Promise<void> {
  let error: unknown;
  try {
    run();
    await opt.settled(); // the device path raises the verdict here
  } catch (e) {
    error = e;
  }
  if (!(error instanceof FlatoptError) || !/non-finite/.test(error.message)) {
    throw new ConformanceError(
      check,
      `a non-finite step should raise flatopt's non-finite error; got ${String(error)}.`,
    );
  }
}

/**
 * A non-finite step is as if it never happened: a NaN loss on the very first step (before the
 * wrapped optimizer has state) and a NaN gradient with a finite loss at iteration 3 raise flatopt's error,
 * and training around them ends bit-identical — weights, inner and plugin state, iteration count —
 * to training that never saw them. Run with `finiteCheck` 'read' and 'device'.
 */
export async function checkNonFiniteSteps(
  subject: ConformanceSubject,
  optimizer: OptimizerName,
  finiteCheck: Exclude<FiniteCheck, 'auto'>,
): Promise<void> {
  const check = `${subject.name}: non-finite steps leave no trace (${optimizer}, ${finiteCheck})`;
  const [a, b] = [mlpProblem({ seed: 71 }), mlpProblem({ seed: 71 })];
  const hit = plugged(subject, optimizer, false, { finiteCheck });
  const clean = plugged(subject, optimizer, false, { finiteCheck });
  const [la, lb] = [lossOf(subject, a), lossOf(subject, b)];
  try {
    await failingStep(check, hit, () => hit.minimize(nanLoss(la), false, a.variables));
    // Three good steps, so that the bad one lands where stateful plugins refresh their state
    // (iteration 3: e.g. sam({ every: 3 })'s stored ascent) after it exists.
    for (let i = 0; i < 3; i++) hit.minimize(la, false, a.variables);
    const before = await snapshot(a, hit);
    await failingStep(check, hit, () => hit.minimize(nanGradient(la, a), false, a.variables));
    assertBitwiseEqual(
      check,
      'weights and optimizer state after a NaN-gradient step',
      await snapshot(a, hit),
      before,
    );
    hit.minimize(la, false, a.variables);

    for (let i = 0; i < 4; i++) clean.minimize(lb, false, b.variables);
    await clean.settled();
    if (hit.iterations !== clean.iterations) {
      throw new ConformanceError(check, `iterations ${hit.iterations}, expected ${clean.iterations}.`);
    }
    assertBitwiseEqual(
      check,
      'weights and optimizer state vs training without the bad steps',
      await snapshot(a, hit),
      await snapshot(b, clean),
    );
  } finally {
    hit.dispose();
    clean.dispose();
    a.dispose();
    b.dispose();
  }
}
