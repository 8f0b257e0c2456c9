import * as tf from '@tensorflow/tfjs-core';
import type { PluggedOptimizer } from '@flatopt/core';
import { withPlugins } from '@flatopt/core';
import { assertBitwiseEqual, readAll } from '../bitwise';
import { ConformanceError } from '../errors';
import { instrumentProbes } from '../instrument';
import { mlpProblem, type Problem } from '../problems';
import { lossOf, makeOptimizer, type ConformanceSubject, type OptimizerName } from '../subject';

function instrumented(
  subject: ConformanceSubject,
  optimizer: OptimizerName,
  check: string,
  counter: { probes: number },
) {
  const made = subject.create();
  const plugins = (Array.isArray(made) ? made : [made]).map((p) => instrumentProbes(p, check, counter));
  return withPlugins(makeOptimizer(optimizer), ...plugins);
}

/**
 * Weights are bit-identical after every probe, and the evaluate stage (`computeGradients`) leaves
 * them exactly as it found them.
 */
export async function checkProbeRestore(
  subject: ConformanceSubject,
  optimizer: OptimizerName,
): Promise<void> {
  const check = `${subject.name}: probes restore weights (${optimizer})`;
  const counter = { probes: 0 };
  const problem = mlpProblem({ seed: 21 });
  const opt = instrumented(subject, optimizer, check, counter);
  const loss = lossOf(subject, problem);
  try {
    for (let i = 0; i < 5; i++) {
      const before = problem.read();
      const { value, grads } = opt.computeGradients(loss, problem.variables);
      assertBitwiseEqual(check, `weights after the evaluate stage of step ${i + 1}`, problem.read(), before);
      opt.applyGradients(grads);
      tf.dispose([value, ...Object.values(grads)]);
    }
  } finally {
    opt.dispose();
    problem.dispose();
  }
}

interface Snapshot {
  weights: Float32Array[];
  state: Float32Array[];
  stateNames: string[];
  iterations: number;
}

async function snapshot(problem: Problem, opt: PluggedOptimizer): Promise<Snapshot> {
  const state = await opt.getWeights();
  const snap = {
    weights: problem.read(),
    state: readAll(state.map((w) => w.tensor)),
    stateNames: state.map((w) => w.name),
    iterations: opt.iterations,
  };
  state[0].tensor.dispose(); // the fresh 'iter' scalar; the rest is the optimizer's own
  return snap;
}

/**
 * When the loss function throws on its k-th call in a step (for every k the step makes, so also
 * inside probes), the error reaches the caller unchanged, and weights, optimizer state and the
 * tensor count are exactly as before the step.
 */
export async function checkRestoreOnThrow(
  subject: ConformanceSubject,
  optimizer: OptimizerName,
): Promise<void> {
  const check = `${subject.name}: restore when the loss throws (${optimizer})`;
  const problem = mlpProblem({ seed: 31 });
  const counter = { probes: 0 };
  const opt = instrumented(subject, optimizer, check, counter);
  const loss = lossOf(subject, problem);
  let calls = 0;
  const counting = () => {
    calls++;
    return loss();
  };
  try {
    for (let i = 0; i < 2; i++) opt.minimize(counting, false, problem.variables);
    const perStep = calls / 2;
    for (let k = 1; k <= perStep; k++) {
      const before = await snapshot(problem, opt);
      const tensorsBefore = tf.memory().numTensors;
      const sentinel = new Error(`sentinel thrown on loss call ${k}`);
      let call = 0;
      const throwing = () => {
        if (++call === k) throw sentinel;
        return loss();
      };
      let caught: unknown;
      try {
        opt.minimize(throwing, false, problem.variables);
      } catch (e) {
        caught = e;
      }
      if (caught !== sentinel) {
        throw new ConformanceError(
          check,
          `the loss threw on call ${k} of ${perStep}, but the step ${caught ? `threw something else: ${String(caught)}` : 'did not throw'}.`,
        );
      }
      const leaked = tf.memory().numTensors - tensorsBefore;
      if (leaked !== 0)
        throw new ConformanceError(check, `a step that threw on loss call ${k} leaked ${leaked} tensors.`);
      const after = await snapshot(problem, opt);
      assertBitwiseEqual(check, `weights after a throw on loss call ${k}`, after.weights, before.weights);
      assertBitwiseEqual(
        check,
        `optimizer state after a throw on loss call ${k}`,
        after.state,
        before.state,
        before.stateNames,
      );
      if (after.iterations !== before.iterations) {
        throw new ConformanceError(
          check,
          `iterations moved from ${before.iterations} to ${after.iterations} on a failed step.`,
        );
      }
    }
  } finally {
    opt.dispose();
    problem.dispose();
  }
}
