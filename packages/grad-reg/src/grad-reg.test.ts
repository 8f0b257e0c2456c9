import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { linear, PluggedOptimizer, withPlugins } from '@flatopt/core';
import { flatoptErrorMessage as message } from '@flatopt/core/testing';
import { alphaFromLambda, gammaFromLearningRate, lambdaFromAlpha } from './conventions';
import { gradReg } from './grad-reg';

describe('gradReg: bad input is refused at construction, naming the option, the value and what is allowed', () => {
  it.each([
    [
      { epsilon: 0 },
      "gradReg: option 'epsilon' must be a nonzero finite number (or a schedule that stays on one side of 0) for a finite-difference method; got 0.",
    ],
    [
      { epsilon: linear({ from: 0.1, to: 0, steps: 100 }) },
      "gradReg: option 'epsilon' must be a nonzero finite number (or a schedule that stays on one side of 0) for a finite-difference method; the schedule spans [0, 0.1].",
    ],
    [{ epsilon: NaN }, "gradReg: option 'epsilon' must be a finite number; got NaN."],
    [{ gamma: -0.1 }, "gradReg: option 'gamma' must be a finite number ≥ 0; got -0.1."],
    [
      { method: 'sideways' },
      "gradReg: option 'method' must be one of 'forward', 'backward', 'central', 'double-backprop'; got \"sideways\".",
    ],
    [{ penalty: 'cubic' }, "gradReg: option 'penalty' must be one of 'squared', 'norm'; got \"cubic\"."],
    [
      { fallback: 'backward' },
      "gradReg: option 'fallback' must be one of 'error', 'forward'; got \"backward\".",
    ],
    [{ penalty: 'norm' }, "gradReg: penalty 'norm' needs option 'lambda' (≥ 0), the strength of λ·‖∇L‖."],
    [
      { lambda: 0.1 },
      "gradReg: option 'lambda' does not apply to penalty 'squared'; the strength of the squared penalty is 'gamma'.",
    ],
    [
      { gama: 0.1 },
      "gradReg: unknown option 'gama'; allowed options are 'gamma', 'lambda', 'epsilon', 'method', 'penalty', 'fallback', 'name'.",
    ],
  ])('%o', (options, expected) => {
    expect(message(() => gradReg(options as never))).toBe(expected);
  });

  it('accepts epsilon = 0 for double backprop, which does not use it, unless it may fall back', () => {
    expect(gradReg({ method: 'double-backprop', epsilon: 0 }).name).toBe('gradReg');
    expect(() => gradReg({ method: 'double-backprop', epsilon: 0, fallback: 'forward' })).toThrow(
      /option 'epsilon'/,
    );
  });
});

describe('gradReg: configuration', () => {
  it('round-trips through getConfig / fromConfig with schedules, and keeps its instance name', () => {
    const opt = withPlugins(
      tf.train.adam(1e-3),
      gradReg({
        gamma: linear({ from: 0, to: 0.1, steps: 100 }),
        epsilon: 0.05,
        method: 'central',
        name: 'gr',
      }),
    );
    const config = JSON.parse(JSON.stringify(opt.getConfig()));
    expect(config.plugins).toEqual([
      {
        type: 'gradReg',
        name: 'gr',
        config: {
          gamma: { schedule: 'linear', from: 0, to: 0.1, steps: 100, start: 0 },
          epsilon: 0.05,
          method: 'central',
          penalty: 'squared',
          fallback: 'error',
        },
      },
    ]);
    const restored = PluggedOptimizer.fromConfig(PluggedOptimizer, config) as PluggedOptimizer;
    expect(restored.getConfig()).toEqual(opt.getConfig());
    expect(restored.plugins[0].name).toBe('gr');
  });

  it('converts between the papers’ conventions', () => {
    expect(gammaFromLearningRate(0.1)).toBe(0.05); // IGR: (h/4)‖∇L‖² = (γ/2)‖∇L‖²
    expect(alphaFromLambda(0.08, 0.1)).toBeCloseTo(0.8, 12); // Zhao's recipe: r = 0.1, α = 0.8
    expect(lambdaFromAlpha(1, 0.05)).toBe(0.05); // α = 1 is SAM with ρ = r
    expect(message(() => gammaFromLearningRate(0))).toBe(
      "gammaFromLearningRate: option 'learningRate' must be a finite number > 0; got 0.",
    );
    expect(message(() => alphaFromLambda(0.1, 0))).toBe(
      "alphaFromLambda: option 'radius' must be a finite number > 0; got 0.",
    );
  });
});
