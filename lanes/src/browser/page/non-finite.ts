/**
 * A step whose loss is NaN, under the default non-finite policy ('throw') and under 'skip':
 * what it does to weights and optimizer state, and where its error surfaces. Runs in the browser.
 */
import * as tf from '@tensorflow/tfjs';
import { PluggedOptimizer, type LossFn } from '@flatopt/core';
import { mlpProblem, useBackend, type BackendName, type Problem } from '@flatopt/core/testing';
import { settledOf, stepAsync } from './async-api';
import { bitDiff, readValues, type BitDiff } from './bits';
import { lossFor, optimizerFor } from './optimizers';

interface State {
  weights: Float32Array[];
  weightNames: string[];
  /** Everything `getWeights()` returns but its 'iter' scalar: the wrapped optimizer's moments, its hidden state, plugin state. */
  state: Float32Array[];
  names: string[];
  iterations: number;
}

async function snapshot(problem: Problem, opt: PluggedOptimizer): Promise<State> {
  const saved = await opt.getWeights();
  const [iter, ...rest] = saved;
  const state = await readValues(rest.map((w) => w.tensor));
  iter.tensor.dispose(); // a fresh scalar; the rest is the optimizer's own
  return {
    weights: await readValues(problem.variables),
    weightNames: problem.variables.map((v) => v.name),
    state,
    names: rest.map((w) => w.name),
    iterations: opt.iterations,
  };
}

export interface StateChange {
  weights: BitDiff;
  state: BitDiff;
  iterations: [before: number, after: number];
}

function change(before: State, after: State): StateChange {
  return {
    weights: bitDiff(after.weights, before.weights, before.weightNames),
    state: bitDiff(after.state, before.state, before.names),
    iterations: [before.iterations, after.iterations],
  };
}

function nanOf(loss: LossFn): LossFn {
  return () => tf.tidy(() => tf.mul(loss(), NaN)) as ReturnType<LossFn>;
}

const message = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

async function setUp(backend: BackendName, name: string, options: Parameters<typeof optimizerFor>[1]) {
  await useBackend(backend);
  const problem = mlpProblem({ seed: 71 });
  const opt = optimizerFor(name, options);
  if (!PluggedOptimizer.is(opt)) throw new Error(`'${name}' is not a plugged optimizer`);
  const loss = lossFor(name, problem);
  // Finite steps first, so the wrapped optimizer has moments the NaN step could spoil.
  for (let i = 0; i < 3; i++) opt.minimize(loss, false, problem.variables);
  await settledOf(opt)?.();
  return { problem, opt, loss };
}

export interface ThrowPolicyReport {
  /** Where the non-finite error surfaced: the NaN call itself, `settled()`, the next call, or nowhere. */
  surfaced: 'call' | 'settled' | 'next call' | 'nowhere';
  error: string | null;
  hasSettled: boolean;
  /** After the NaN call, and again after the error surfaced. */
  afterCall: StateChange;
  afterError: StateChange;
}

/** Default policy: `minimize` with a NaN loss, then `settled()` if the optimizer has it, then one more finite step. */
export async function nanUnderThrow(backend: BackendName, name: string): Promise<ThrowPolicyReport> {
  const { problem, opt, loss } = await setUp(backend, name, {});
  try {
    const before = await snapshot(problem, opt);
    let surfaced: ThrowPolicyReport['surfaced'] = 'nowhere';
    let error: unknown = null;
    try {
      opt.minimize(nanOf(loss), false, problem.variables);
    } catch (e) {
      [surfaced, error] = ['call', e];
    }
    const afterCall = change(before, await snapshot(problem, opt));
    const settled = settledOf(opt);
    if (surfaced === 'nowhere' && settled) {
      try {
        await settled();
      } catch (e) {
        [surfaced, error] = ['settled', e];
      }
    }
    if (surfaced === 'nowhere') {
      try {
        opt.minimize(loss, false, problem.variables);
      } catch (e) {
        [surfaced, error] = ['next call', e];
      }
    }
    const afterError = change(before, await snapshot(problem, opt));
    return {
      surfaced,
      error: error === null ? null : message(error),
      hasSettled: !!settled,
      afterCall,
      afterError,
    };
  } finally {
    opt.dispose();
    problem.dispose();
  }
}

export interface SkipPolicyReport {
  skipped: boolean;
  after: StateChange;
}

/** `{ nonFinite: 'skip' }`: `await stepAsync` with a NaN loss. */
export async function nanUnderSkip(backend: BackendName, name: string): Promise<SkipPolicyReport> {
  const { problem, opt, loss } = await setUp(backend, name, { nonFinite: 'skip' });
  try {
    const before = await snapshot(problem, opt);
    const report = await stepAsync(opt, nanOf(loss), problem.variables);
    await settledOf(opt)?.();
    return { skipped: report.skipped, after: change(before, await snapshot(problem, opt)) };
  } finally {
    opt.dispose();
    problem.dispose();
  }
}
