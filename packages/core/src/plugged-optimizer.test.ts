import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bits, useProblems } from './__fixtures__/problems';
import { heavyBall, probeTwice } from './__fixtures__/reference-plugins';
import { PluggedOptimizer } from './plugged-optimizer';
import { readAll, type Problem } from './testing/index';
import type { Plugin } from './types';
import { withPlugins } from './with-plugins';

const problem = useProblems();

/** A loss-transform plugin: flooding |L − b| + b, the simplest user of transformLoss. */
const flood = (level: number): Plugin => ({
  name: 'flood',
  transformLoss: (_ctx, loss) => tf.add(tf.abs(tf.sub(loss, level)), level),
  getConfig: () => ({ level }),
});

describe('withPlugins: bad input gets a clear error', () => {
  it('refuses a non-optimizer and non-plugins, naming the argument and the value', () => {
    expect(() => withPlugins({} as tf.Optimizer)).toThrow(
      /withPlugins: the first argument must be a tf.Optimizer such as tf.train.adam\(1e-3\); got an object\./,
    );
    expect(() => withPlugins(tf.train.sgd(0.1), 42 as unknown as Plugin)).toThrow(
      /argument 2 must be a flatopt plugin \(such as sam\(\) or gradReg\(\)\); got 42\./,
    );
    expect(() => withPlugins(tf.train.sgd(0.1), { name: 'x' } as unknown as Plugin)).toThrow(
      /\('x'\) is not a flatopt plugin: it has no getConfig\(\)/,
    );
    expect(() =>
      withPlugins(tf.train.sgd(0.1), { name: 'x', getConfig: () => ({}), evaluate: 1 } as unknown as Plugin),
    ).toThrow(/'evaluate' must be a function; got 1/);
  });

  it('refuses plugins whose state names would collide', () => {
    expect(() => withPlugins(tf.train.sgd(0.1), heavyBall(), heavyBall())).toThrow(
      /plugins 1 and 2 are both named 'heavyBall' and both keep state, so their state names would collide/,
    );
  });

  it('refuses unknown options and policies', () => {
    expect(() => withPlugins(tf.train.sgd(0.1), { nonFinit: 'skip' } as never)).toThrow(
      /withPlugins: unknown option 'nonFinit'; allowed options are 'nonFinite', 'finiteCheck'\./,
    );
    expect(() => withPlugins(tf.train.sgd(0.1), { nonFinite: 'never' } as never)).toThrow(
      /option 'nonFinite' must be one of 'throw', 'skip', 'ignore'; got "never"\./,
    );
    expect(() => withPlugins(tf.train.sgd(0.1), { finiteCheck: 'later' } as never)).toThrow(
      /option 'finiteCheck' must be one of 'auto', 'read', 'device'; got "later"\./,
    );
  });

  it.each([
    [
      'a number',
      () => 3,
      /must return a tf.Tensor \(a scalar, or a vector of per-example losses\); got 3\. Nothing was applied\./,
    ],
    ['an int32 tensor', () => tf.scalar(1, 'int32'), /must return a float32 tensor; got dtype 'int32'/],
    ['a matrix', () => tf.ones([2, 2]), /got shape \[2, 2\] \(rank 2\)/],
  ])(
    'refuses a loss function returning %s, leaving weights and state untouched',
    async (_what, bad, message) => {
      const p = problem();
      const opt = withPlugins(tf.train.adam(0.01), probeTwice());
      opt.minimize(p.loss, false, p.variables);
      const before = { weights: p.read(), iterations: opt.iterations, tensors: tf.memory().numTensors };
      expect(() => opt.minimize(bad as never, false, p.variables)).toThrow(message);
      expect(bits(p.read())).toEqual(bits(before.weights));
      expect(opt.iterations).toBe(before.iterations);
      expect(tf.memory().numTensors).toBe(before.tensors);
    },
  );

  it('refuses a varList that changes between steps', () => {
    const [a, b] = [problem(1), problem(2)];
    const opt = withPlugins(tf.train.adam(0.01));
    opt.minimize(a.loss, false, a.variables);
    const before = b.read();
    expect(() => opt.minimize(b.loss, false, b.variables)).toThrow(
      /the variables changed between steps: 4 new \('flatopt-kit-\d+\/w1', .*\), 4 gone \('flatopt-kit-\d+\/w1', .*\)\. The wrapped optimizer's state is positional, .* Pass an explicit varList .* Nothing was applied\./,
    );
    expect(bits(b.read())).toEqual(bits(before));
  });

  // Issue 16, rough edge 6: without a varList, another Adam's two trainable scalars ('8', '9')
  // appeared in a list of every variable, which a user could not relate to their model.
  it('without a varList, names only what changed and explains unnamed optimizer scalars', () => {
    const p = problem(3);
    const loss = () => p.loss();
    const opt = withPlugins(tf.train.sgd(0.01));
    const trainable = () => Object.values(tf.engine().registeredVariables).filter((v) => v.trainable);
    const mine = trainable();
    opt.minimize(loss);
    const other = tf.train.adam(0.01);
    other.minimize(loss, false, p.variables); // creates Adam's β-power scalars, trainable, named by a number
    const fresh = trainable().filter((v) => !mine.includes(v));
    expect(fresh.map((v) => /^\d+$/.test(v.name))).toEqual([true, true]);
    let thrown = '';
    try {
      opt.minimize(loss);
    } catch (e) {
      thrown = (e as Error).message;
    }
    expect(thrown).toBe(
      `withPlugins: the variables changed between steps: 2 new ('${fresh[0].name}', '${fresh[1].name}'). ` +
        "The wrapped optimizer's state is positional, so the same variables must come in the same order every step. " +
        'No varList was given, so every trainable variable counts, and variables named only by a number are unnamed ones: ' +
        "often another tfjs optimizer's own state (Adam makes two trainable scalars). " +
        'Pass an explicit varList (for a tfjs-layers model: model.trainableWeights.map((w) => w.read() as tf.Variable)), ' +
        'or use a new optimizer for a new set. Nothing was applied.',
    );
    other.dispose();
  });
});

describe('non-finite policy', () => {
  const nanLoss = (p: Problem) => () => tf.mul(p.loss(), NaN) as tf.Scalar;
  // sqrt'(0) = +Inf: a finite loss with an infinite gradient for w1 only.
  const infGrad = (p: Problem) => () =>
    tf.add(p.loss(), tf.sum(tf.sqrt(tf.mul(p.variables[0], 0)))) as tf.Scalar;

  it("'throw' (default) says which step and that nothing was applied; weights and state stay", async () => {
    const p = problem();
    const opt = withPlugins(tf.train.adam(0.01));
    opt.minimize(p.loss, false, p.variables);
    const state = readAll((await opt.getWeights()).map((w) => w.tensor));
    const weights = p.read();
    expect(() => opt.minimize(nanLoss(p), false, p.variables)).toThrow(
      /non-finite loss NaN at iteration 1: nothing was applied, weights and optimizer state are unchanged/,
    );
    expect(() => opt.minimize(infGrad(p), false, p.variables)).toThrow(
      /non-finite gradient of variable 'flatopt-kit-\d+\/w1'/,
    );
    expect(bits(p.read())).toEqual(bits(weights));
    expect(bits(readAll((await opt.getWeights()).map((w) => w.tensor)))).toEqual(bits(state));
  });

  it("'skip' drops the step (no update, no iteration) and training goes on", () => {
    const p = problem();
    const opt = withPlugins(tf.train.sgd(0.1), { nonFinite: 'skip' });
    const weights = p.read();
    const report = opt.step(nanLoss(p), p.variables);
    expect(report.skipped).toBe(true);
    expect(Number.isNaN(report.loss)).toBe(true);
    expect(opt.iterations).toBe(0);
    expect(bits(p.read())).toEqual(bits(weights));
    expect(opt.step(p.loss, p.variables).skipped).toBe(false);
    expect(opt.iterations).toBe(1);
  });

  it("'ignore' applies whatever comes (no check, no sync)", () => {
    const p = problem();
    const opt = withPlugins(tf.train.sgd(0.1), { nonFinite: 'ignore' });
    opt.minimize(nanLoss(p), false, p.variables);
    expect(Number.isNaN(p.read()[0][0])).toBe(true);
  });
});

describe('the step pipeline', () => {
  it('with no plugins equals the bare optimizer without a varList (all trainable variables)', () => {
    const a = problem(5);
    const bare = tf.train.adam(0.01);
    for (let i = 0; i < 3; i++) bare.minimize(a.loss);
    const expected = a.read();
    a.dispose();
    const b = problem(5);
    const opt = withPlugins(tf.train.adam(0.01));
    for (let i = 0; i < 3; i++) opt.minimize(b.loss);
    expect(bits(b.read())).toEqual(bits(expected));
  });

  it('treats a per-example loss vector as its mean, bit for bit', () => {
    const [a, b] = [problem(7), problem(7)];
    const [oa, ob] = [
      withPlugins(tf.train.sgd(0.1), probeTwice()),
      withPlugins(tf.train.sgd(0.1), probeTwice()),
    ];
    const ra = oa.step(a.loss, a.variables);
    const rb = ob.step(b.perExampleLoss, b.variables);
    expect(rb.loss).toBe(ra.loss);
    expect(bits(b.read())).toEqual(bits(a.read()));
  });

  it('differentiates the transformed loss but reports the raw one (flooding below the level ascends)', () => {
    const p = problem(9);
    const loss = p.loss().dataSync()[0];
    const grads = tf.variableGrads(p.loss, p.variables).grads;
    const expected = p.variables.map((v) => tf.add(v, tf.mul(grads[v.name], 0.1)).dataSync());
    const report = withPlugins(tf.train.sgd(0.1), flood(loss + 1)).step(p.loss, p.variables);
    expect(report.loss).toBeCloseTo(loss, 6);
    p.read().forEach((w, i) => w.forEach((x, j) => expect(x).toBeCloseTo(expected[i][j], 6)));
  });

  it('reports the cost ledger and the diagnostics plugins record', () => {
    const p = problem(11);
    const rho = 0.05;
    const g = tf.variableGrads(p.loss, p.variables).grads;
    const l0 = p.loss().dataSync()[0];
    p.variables.forEach((v) => v.assign(tf.add(v, tf.mul(g[v.name], rho))));
    const l1 = p.loss().dataSync()[0];
    p.variables.forEach((v) => v.assign(tf.sub(v, tf.mul(g[v.name], rho))));
    const report = withPlugins(tf.train.sgd(0.1), probeTwice({ rho })).step(p.loss, p.variables);
    expect(report.gradientEvaluations).toBe(3);
    expect(report.doubleBackpropEvaluations).toBe(0);
    expect(report.diagnostics['probeTwice/sharpness']).toBeCloseTo(l1 - l0, 5);
    expect(report.loss).toBeCloseTo(l0, 6);
  });

  it('computes diagnostics recorded as functions only for a report that is read (step, stepAsync)', async () => {
    const p = problem(12);
    let calls = 0;
    const lazy: Plugin = {
      name: 'lazy',
      evaluate: (ctx, next) => {
        const ev = next();
        ctx.record('double', () => (calls++, tf.mul(ev.loss, 2) as tf.Scalar));
        ctx.record('replaced', () => (calls++, 1)); // overridden by the value below: never called
        ctx.record('replaced', 7);
        return ev;
      },
      apply: (ctx, grads, next) => {
        ctx.record('applied', () => (calls++, 3));
        next(grads);
      },
      getConfig: () => ({}),
    };
    const opt = withPlugins(tf.train.sgd(0.1), lazy);
    opt.minimize(p.loss, false, p.variables);
    const { value, grads } = opt.computeGradients(p.loss, p.variables);
    opt.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    expect(calls).toBe(0);
    const loss = tf.tidy(() => p.loss().dataSync()[0]);
    const before = tf.memory().numTensors;
    const report = opt.step(p.loss, p.variables);
    expect(calls).toBe(2);
    expect(report.diagnostics['lazy/double']).toBeCloseTo(2 * loss, 5);
    expect(report.diagnostics['lazy/replaced']).toBe(7);
    expect(report.diagnostics['lazy/applied']).toBe(3);
    expect((await opt.stepAsync(p.loss, p.variables)).diagnostics['lazy/applied']).toBe(3);
    expect(calls).toBe(4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives plugins the wrapped optimizer’s learning rate and iteration', () => {
    const p = problem();
    const seen: Array<[number | undefined, number]> = [];
    const spy: Plugin = {
      name: 'spy',
      evaluate: (ctx, next) => (seen.push([ctx.learningRate, ctx.iteration]), next()),
      getConfig: () => ({}),
    };
    const opt = withPlugins(tf.train.sgd(0.25), spy);
    opt.minimize(p.loss, false, p.variables);
    opt.minimize(p.loss, false, p.variables);
    expect(seen).toEqual([
      [0.25, 0],
      [0.25, 1],
    ]);
    expect(opt.learningRate).toBe(0.25);
  });

  it('computeGradients + applyGradients equals minimize', () => {
    const [a, b] = [problem(13), problem(13)];
    const [oa, ob] = [
      withPlugins(tf.train.adam(0.01), probeTwice()),
      withPlugins(tf.train.adam(0.01), probeTwice()),
    ];
    oa.minimize(a.loss, false, a.variables);
    const { value, grads } = ob.computeGradients(b.loss, b.variables);
    ob.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    expect(bits(b.read())).toEqual(bits(a.read()));
  });

  it('flattens a PluggedOptimizer wrapped again, new plugins outermost', () => {
    const inner = withPlugins(tf.train.sgd(0.1), probeTwice());
    const outer = withPlugins(inner, heavyBall());
    expect(outer.plugins.map((p) => p.name)).toEqual(['heavyBall', 'probeTwice']);
    expect(outer.inner).toBe(inner.inner);
    expect(PluggedOptimizer.is(outer)).toBe(true);
    expect(PluggedOptimizer.is(tf.train.sgd(0.1))).toBe(false);
    // tf.Optimizer duck-types instanceof, which is why PluggedOptimizer.is exists:
    expect(tf.train.sgd(0.1) instanceof PluggedOptimizer).toBe(true);
  });

  it('names plugin state apart from the wrapped optimizer’s and refuses weights it does not own', async () => {
    const p = problem();
    const opt = withPlugins(tf.train.adam(0.01), heavyBall());
    opt.minimize(p.loss, false, p.variables);
    const names = (await opt.getWeights()).map((w) => w.name);
    expect(names[0]).toBe('iter');
    expect(names).toContain('flatopt/@inner/accBeta1');
    expect(names).toContain('flatopt/heavyBall/previous0');
    await expect(opt.setWeights([{ name: 'flatopt/sam/x', tensor: tf.scalar(0) }])).rejects.toThrow(
      /weight 'flatopt\/sam\/x' belongs to no stateful plugin of this optimizer \(plugins: 'heavyBall'\)/,
    );
  });

  it('refuses applyGradients for a variable outside the trained set', () => {
    const [a, b] = [problem(1), problem(2)];
    const opt = withPlugins(tf.train.sgd(0.1));
    opt.minimize(a.loss, false, a.variables);
    expect(() => opt.applyGradients({ [b.variables[0].name]: tf.zerosLike(b.variables[0]) })).toThrow(
      /variable 'flatopt-kit-\d+\/w1' is not among the 4 variables this optimizer trains/,
    );
  });
});

describe('diagnostics', () => {
  it("a plugin may record the loss it returns: the caller's loss is not freed with the diagnostics", () => {
    const p = problem();
    const echo: Plugin = {
      name: 'echo',
      evaluate(ctx, next) {
        const ev = next();
        ctx.record('loss', ev.loss);
        return ev;
      },
      getConfig: () => ({}),
    };
    const opt = withPlugins(tf.train.sgd(0.1), echo);
    const cost = opt.minimize(p.loss, true, p.variables)!;
    expect(cost.isDisposed).toBe(false);
    expect(Number.isFinite(cost.dataSync()[0])).toBe(true);
    cost.dispose();
    const { value, grads } = opt.computeGradients(p.loss, p.variables);
    expect(value.isDisposed).toBe(false);
    tf.dispose([value, ...Object.values(grads)]);
    const before = tf.memory().numTensors;
    opt.minimize(p.loss, false, p.variables);
    expect(tf.memory().numTensors).toBe(before);
  });
});
