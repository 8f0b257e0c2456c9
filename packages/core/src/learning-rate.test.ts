import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bits, useProblems } from './__fixtures__/problems';
import { flatoptErrorMessage as message } from './testing/errors';
import type { Plugin, StepContext } from './types';
import { withPlugins } from './with-plugins';

const problem = useProblems();

/** A plugin with only the hook: the learning rate `rates[iteration]`, and the ctx values seen. */
function scheduled(rates: readonly number[], seen: number[] = []): Plugin {
  return {
    name: 'lr',
    learningRate: (t) => rates[t],
    evaluate: (ctx: StepContext, next) => (seen.push(ctx.learningRate!), next()),
    getConfig: () => ({}),
  };
}

// Every tf.train optimizer, made with a given learning rate.
const optimizers: Record<string, (lr: number) => tf.Optimizer> = {
  sgd: (lr) => tf.train.sgd(lr),
  momentum: (lr) => tf.train.momentum(lr, 0.9),
  adam: (lr) => tf.train.adam(lr),
  adamax: (lr) => tf.train.adamax(lr),
  rmsprop: (lr) => tf.train.rmsprop(lr),
  adagrad: (lr) => tf.train.adagrad(lr),
  adadelta: (lr) => tf.train.adadelta(lr),
};

describe('Plugin.learningRate: the wrapped optimizer steps with the scheduled rate', () => {
  beforeAll(() => tf.setBackend('cpu'));
  const rates = [0.05, 0.01, 0.2, 0.2];

  // The reference re-creates nothing: one optimizer per rate would lose Adam's moments, so it sets
  // the rate the way a hand-written loop does, and must agree bit for bit.
  it.each(Object.keys(optimizers))('%s: bit-identical to a loop that sets the rate by hand', (name) => {
    const [a, b] = [problem(), problem()];
    const reference = optimizers[name](1);
    const plugged = withPlugins(optimizers[name](1), scheduled(rates));
    for (const lr of rates) {
      const r = reference as unknown as { learningRate: number; setLearningRate?(v: number): void };
      if (r.setLearningRate) r.setLearningRate(lr);
      else r.learningRate = lr;
      reference.minimize(a.loss, false, a.variables);
      plugged.minimize(b.loss, false, b.variables);
    }
    expect(bits(b.read())).toEqual(bits(a.read()));
    expect(plugged.learningRate).toBe(0.2);
    reference.dispose();
    plugged.dispose();
  });

  it('SGD really changes its step: a rate of 0 leaves the weights alone', () => {
    const p = problem();
    const before = p.read();
    const opt = withPlugins(tf.train.sgd(0.5), scheduled([0, 0]));
    opt.minimize(p.loss, false, p.variables);
    expect(bits(p.read())).toEqual(bits(before));
    opt.dispose();
  });

  it('every ctx.learningRate of the step sees the scheduled value, also in the two-call protocol', () => {
    const p = problem();
    const seen: number[] = [];
    const opt = withPlugins(tf.train.adam(1), scheduled([0.3, 0.1, 0.05], seen));
    opt.minimize(p.loss, false, p.variables);
    const { value, grads } = opt.computeGradients(p.loss, p.variables);
    opt.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    opt.step(p.loss, p.variables);
    expect(seen).toEqual([0.3, 0.1, 0.05]);
    opt.dispose();
  });

  it('refuses two schedules in one stack, and a value that is not a rate', () => {
    expect(
      message(() => withPlugins(tf.train.sgd(0.1), scheduled([1]), { ...scheduled([1]), name: 'b' })),
    ).toBe(
      "withPlugins: 'lr' and 'b' both schedule the learning rate; a stack takes one learning-rate schedule.",
    );
    const p = problem();
    const before = p.read();
    const opt = withPlugins(tf.train.sgd(0.1), scheduled([NaN]));
    expect(message(() => opt.minimize(p.loss, false, p.variables))).toBe(
      "lr.learningRate: option 'value at iteration 0' must be a finite number ≥ 0; got NaN.",
    );
    expect(bits(p.read())).toEqual(bits(before));
    opt.dispose();
  });
});
