import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bits, useProblems } from './__fixtures__/problems';
import { heavyBall, probeTwice } from './__fixtures__/reference-plugins';
import type { InitContext, Plugin, StepContext, VariableRole } from './types';
import { withPlugins } from './with-plugins';

const problem = useProblems();

describe('Plugin.init: state created once the variables are fixed', () => {
  it('runs once, at the first step, before any hook, with the trained variables', () => {
    const p = problem();
    const calls: string[] = [];
    let seen: readonly tf.Variable[] = [];
    const plugin: Plugin = {
      name: 'spy',
      init(ctx) {
        calls.push('init');
        seen = ctx.variables;
      },
      evaluate: (_ctx, next) => (calls.push('evaluate'), next()),
      getConfig: () => ({}),
    };
    const opt = withPlugins(tf.train.sgd(0.1), plugin);
    expect(calls).toEqual([]);
    opt.minimize(p.loss, false, p.variables);
    opt.minimize(p.loss, false, p.variables);
    expect(calls).toEqual(['init', 'evaluate', 'evaluate']);
    expect(seen).toEqual(p.variables);
    opt.dispose();
  });

  it('resumes bit-exactly from state restored before the first step (as after tf.loadLayersModel)', async () => {
    const [a, b] = [problem(), problem()];
    const first = withPlugins(tf.train.adam(0.01), heavyBall({ beta: 0.9 }));
    for (let i = 0; i < 3; i++) first.minimize(a.loss, false, a.variables);
    b.assign(a.read());
    const second = withPlugins(tf.train.adam(0.01), heavyBall({ beta: 0.9 }));
    const saved = await first.getWeights();
    expect(saved.map((w) => w.name)).toContain('flatopt/heavyBall/previous3');
    await second.setWeights(saved); // no variable exists for the plugin yet: core holds the copy
    expect((await second.getWeights()).map((w) => w.name)).toEqual(saved.map((w) => w.name));
    for (let i = 0; i < 2; i++) {
      first.minimize(a.loss, false, a.variables);
      second.minimize(b.loss, false, b.variables);
    }
    expect(bits(b.read())).toEqual(bits(a.read()));
    first.dispose();
    second.dispose();
  });

  it('runs init also when the first call is applyGradients (the two-call protocol)', () => {
    const p = problem();
    const ball = heavyBall({ beta: 0.5 });
    const opt = withPlugins(tf.train.sgd(0.1), ball);
    const grads = Object.fromEntries(p.variables.map((v) => [v.name, tf.onesLike(v)]));
    opt.applyGradients(grads);
    opt.applyGradients(grads);
    // G₁ = 1, G₂ = 1 + 0.5·1: the state was there from the first call.
    expect(Array.from(ball.previous[3].dataSync())).toEqual([1.5, 1.5, 1.5]);
    tf.dispose(Object.values(grads));
    opt.dispose();
  });

  it('tells the plugin what was restored, before and after its init', async () => {
    const p = problem();
    const heard: string[][] = [];
    const make = (): Plugin => ({
      name: 'listener',
      init: (ctx) => void ctx.perVariable('memo', (v) => tf.zerosLike(v)),
      restored: (names) => void heard.push([...names]),
      getConfig: () => ({}),
    });
    const first = withPlugins(tf.train.sgd(0.1), make());
    first.minimize(p.loss, false, p.variables);
    const saved = await first.getWeights();
    const second = withPlugins(tf.train.sgd(0.1), make());
    await second.setWeights(saved); // held until init
    expect(heard).toEqual([]);
    second.minimize(p.loss, false, p.variables);
    expect(heard).toEqual([['memo0', 'memo1', 'memo2', 'memo3']]);
    await second.setWeights(await first.getWeights()); // after init: at once
    expect(heard).toHaveLength(2);
    first.dispose();
    second.dispose();
  });

  it('refuses restored state of the wrong shape or name, naming it, and restores nothing', async () => {
    const p = problem();
    const opt = withPlugins(tf.train.sgd(0.1), heavyBall());
    opt.minimize(p.loss, false, p.variables);
    const saved = await opt.getWeights();
    const values = saved.map((w) => Array.from(w.tensor.dataSync()));
    const replace = (name: string, tensor: tf.Tensor) => [
      ...saved
        .filter((w) => !w.name.startsWith('flatopt/'))
        .map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) })),
      { name, tensor },
    ];
    const wrong = replace('flatopt/heavyBall/previous0', tf.zeros([2]));
    await expect(opt.setWeights(wrong)).rejects.toThrow(
      /heavyBall: setWeights got 'previous0' of shape \[2\] \(float32\); its state has shape \[6,8\] \(float32\)\. Nothing was restored\./,
    );
    const unknown = replace('flatopt/heavyBall/other', tf.zeros([1]));
    await expect(opt.setWeights(unknown)).rejects.toThrow(
      /heavyBall: setWeights got an unknown weight 'other' \(its state: previous<i>\)\. Nothing was restored\./,
    );
    expect((await opt.getWeights()).map((w) => Array.from(w.tensor.dataSync()))).toEqual(values);
    opt.dispose();
  });

  it('leaves nothing behind when init throws, and runs it again at the next step', () => {
    const p = problem();
    let attempts = 0;
    const plugin: Plugin = {
      name: 'flaky',
      init(ctx: InitContext) {
        ctx.perVariable('state', (v) => tf.zerosLike(v));
        if (++attempts === 1) throw new Error('not yet');
      },
      getConfig: () => ({}),
    };
    const before = tf.memory().numTensors;
    const opt = withPlugins(tf.train.sgd(0.1), plugin);
    const made = tf.memory().numTensors; // sgd's learning-rate scalar
    expect(() => opt.minimize(p.loss, false, p.variables)).toThrow('not yet');
    expect(tf.memory().numTensors).toBe(made);
    opt.minimize(p.loss, false, p.variables);
    expect(attempts).toBe(2);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names state slots sensibly and keeps them non-trainable; dispose frees them', () => {
    const p = problem();
    const made: Array<tf.Variable | null>[] = [];
    const plugin: Plugin = {
      name: 'slots',
      init(ctx) {
        made.push([...ctx.perVariable('kernelOnly', (v) => (v.rank >= 2 ? v : null))]);
        made.push([ctx.single('count', () => tf.scalar(0, 'int32'))]);
        expect(() => ctx.single('count', () => tf.scalar(0))).toThrow(/got "count" \(already used\)/);
        expect(() => ctx.single('slot1', () => tf.scalar(0))).toThrow(
          /starts and ends with a letter; got "slot1"/,
        );
      },
      getConfig: () => ({}),
    };
    const opt = withPlugins(tf.train.sgd(0.1), plugin);
    const w1 = Array.from(p.variables[0].dataSync());
    opt.minimize(p.loss, false, p.variables);
    const [perVariable, [count]] = made;
    expect(perVariable.map((v) => v !== null)).toEqual([true, false, true, false]);
    expect(Array.from(perVariable[0]!.dataSync())).toEqual(w1); // a copy of the weights before the step
    expect(perVariable[0]!.trainable).toBe(false);
    expect(count!.dtype).toBe('int32');
    opt.dispose();
    expect([...perVariable, count].every((v) => v === null || v.isDisposed)).toBe(true);
    expect(p.variables[0].isDisposed).toBe(false); // the copy was cloned, not the weights taken
  });
});

describe('state that the wrapped optimizer trains', () => {
  it('round-trips when init state is a reparameterization parameter under Adam (its slots are named after it)', async () => {
    const p = problem();
    const halving = (): Plugin => {
      let half: Array<tf.Variable | null> = [];
      let w: tf.Variable;
      return {
        name: 'halving',
        init(ctx) {
          w = ctx.variables[0];
          half = [...ctx.perVariable('half', (v, i) => (i === 0 ? tf.div(v, 2) : null))];
        },
        reparameterize: () => ({ derived: [w], parameters: [half[0]!] }),
        apply(ctx, grads, next) {
          const [iw, ip] = [ctx.variables.indexOf(w), ctx.variables.indexOf(half[0]!)];
          const out = [...grads];
          [out[iw], out[ip]] = [null, tf.mul(grads[iw]!, 2)];
          next(out);
          w.assign(tf.mul(half[0]!, 2));
        },
        getConfig: () => ({}),
      };
    };
    const opt = withPlugins(tf.train.adam(0.01), halving());
    opt.minimize(p.loss, false, p.variables);
    const saved = await opt.getWeights();
    // Adam's moments of the parameter are the wrapped optimizer's weights, not plugin state.
    expect(saved.filter((x) => x.name.startsWith('flatopt/')).map((x) => x.name)).toEqual([
      'flatopt/@inner/accBeta1',
      'flatopt/@inner/accBeta2',
      'flatopt/halving/half0',
    ]);
    const again = withPlugins(tf.train.adam(0.01), halving());
    await again.setWeights(saved);
    again.minimize(p.loss, false, p.variables);
    opt.dispose();
    again.dispose();
  });
});

describe('StepContext.primary and roles', () => {
  it('marks the step’s first evaluation as primary, also under an outer plugin that probes', () => {
    const p = problem();
    const flags: boolean[] = [];
    const applied: boolean[] = [];
    const spy: Plugin = {
      name: 'spy',
      evaluate: (ctx, next) => (flags.push(ctx.primary), next()),
      apply: (ctx, grads, next) => (applied.push(ctx.primary), next(grads)),
      getConfig: () => ({}),
    };
    const opt = withPlugins(tf.train.sgd(0.1), probeTwice({ rho: 0.05 }), spy);
    opt.minimize(p.loss, false, p.variables);
    opt.minimize(p.loss, false, p.variables);
    expect(flags).toEqual([true, false, false, true, false, false]);
    expect(applied).toEqual([false, false]);
    opt.dispose();
  });

  it('labels the apply stage’s variables trained, derived and parameter', () => {
    const p = problem();
    let roles: readonly VariableRole[] = [];
    let evaluateRoles: readonly VariableRole[] = [];
    let parameter: tf.Variable | undefined;
    const doubling: Plugin = {
      name: 'doubling',
      reparameterize(trained) {
        parameter = tf.variable(tf.div(trained[2], 2), false);
        return { derived: [trained[2]], parameters: [parameter] };
      },
      evaluate: (ctx: StepContext, next) => ((evaluateRoles = ctx.roles), next()),
      apply(ctx, grads, next) {
        roles = ctx.roles;
        next(grads.map((g, i) => (ctx.roles[i] === 'derived' ? null : g)));
      },
      getConfig: () => ({}),
      dispose: () => parameter?.dispose(),
    };
    const opt = withPlugins(tf.train.sgd(0.1), doubling);
    opt.minimize(p.loss, false, p.variables);
    expect(evaluateRoles).toEqual(['trained', 'trained', 'trained', 'trained']);
    expect(roles).toEqual(['trained', 'trained', 'derived', 'trained', 'parameter']);
    opt.dispose();
  });
});
