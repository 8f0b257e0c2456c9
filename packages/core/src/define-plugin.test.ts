import * as tf from '@tensorflow/tfjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { definePlugin } from './define-plugin';
import { option } from './options';
import { PluggedOptimizer } from './plugged-optimizer';
import { linear } from './schedule';
import { withPlugins } from './with-plugins';

/** A toy plugin with one option of every kind: it scales the gradient by `factor`. */
const scaled = definePlugin({
  type: 'testScaled',
  options: {
    /** The gradient's factor. */
    factor: option.hyperparameter({ default: 1, min: 0 }),
    every: option.number({ default: 1, min: 1, integer: true }),
    enabled: option.boolean({ default: true }),
    mode: option.oneOf(['plain', 'fancy'], { default: 'plain' }),
    onStep: option.custom(
      (o, k, v) => {
        if (typeof v !== 'function') throw new Error(`${o}: option '${k}' must be a function`);
        return v as (step: number) => void;
      },
      { saved: false, optional: true },
    ),
  },
  create: (o) => {
    let steps = 0;
    return {
      get steps() {
        return steps;
      },
      apply(ctx, grads, next) {
        steps++;
        o.onStep?.(ctx.iteration);
        next(
          o.enabled ? grads.map((g) => g && tf.mul(g, typeof o.factor === 'number' ? o.factor : 1)) : grads,
        );
      },
    };
  },
});

/** A plugin with a required option (no default). */
const leveled = definePlugin({
  type: 'testLeveled',
  options: { level: option.number({ min: 0 }) },
  create: () => ({}),
});

describe('definePlugin', () => {
  it('fills in defaults, names the instance by its type unless told, and saves the saved options', () => {
    const p = scaled();
    expect(p.name).toBe('testScaled');
    expect(p.type).toBe('testScaled');
    expect(p.getConfig()).toEqual({ factor: 1, every: 1, enabled: true, mode: 'plain' });
    const q = scaled({ factor: linear({ from: 0, to: 2, steps: 10 }), name: 'second', onStep: () => {} });
    expect(q.name).toBe('second');
    expect(q.getConfig().factor).toMatchObject({ schedule: 'linear', from: 0, to: 2, steps: 10 });
    expect(q.getConfig()).not.toHaveProperty('onStep');
  });

  it('refuses unknown keys, bad values and missing required options before creating anything', () => {
    expect(() => scaled({ factr: 2 } as never)).toThrow(
      /testScaled: unknown option 'factr'; allowed options are 'factor', 'every', 'enabled', 'mode', 'onStep', 'name'\./,
    );
    expect(() => scaled({ factor: -1 })).toThrow(
      /testScaled: option 'factor' must be a finite number ≥ 0; got -1\./,
    );
    expect(() => scaled({ every: 1.5 })).toThrow(/option 'every' must be an integer ≥ 1; got 1\.5/);
    expect(() => scaled({ mode: 'odd' as never })).toThrow(
      /option 'mode' must be one of 'plain', 'fancy'; got "odd"/,
    );
    expect(() => scaled({ enabled: 'yes' as never })).toThrow(
      /option 'enabled' must be true or false; got "yes"/,
    );
    expect(() => scaled({ name: '' })).toThrow(
      /option 'name' must be a non-empty string without '\/'; got ""/,
    );
    expect(() => leveled({} as never)).toThrow(/testLeveled: option 'level' is required\./);
    expect(() => scaled(3 as never)).toThrow(/testScaled: options must be an object; got 3\./);
  });

  it('derives the options type: required options must be given, values are typed', () => {
    expectTypeOf<Parameters<typeof leveled>[0]['level']>().toEqualTypeOf<number>();
    expectTypeOf<NonNullable<Parameters<typeof scaled>[0]>['mode']>().toEqualTypeOf<
      'plain' | 'fancy' | undefined
    >();
    // @ts-expect-error level is required
    expect(() => leveled()).toThrow(/required/);
    // @ts-expect-error every is a number
    expect(() => scaled({ every: 'two' })).toThrow(/every/);
  });

  it('registers the type, so a saved optimizer rebuilds the plugin with its options', () => {
    const opt = withPlugins(tf.train.sgd(0.1), scaled({ factor: 0.5, mode: 'fancy', name: 'half' }));
    const config = opt.getConfig();
    const back = PluggedOptimizer.fromConfig(PluggedOptimizer, config) as unknown as PluggedOptimizer;
    expect(back.plugins.map((p) => [p.name, p.getConfig()])).toEqual([
      ['half', { factor: 0.5, every: 1, enabled: true, mode: 'fancy' }],
    ]);
  });

  it('adds what create’s own getConfig returns, asked at every call', () => {
    let picked = 'not yet';
    const late = definePlugin({
      type: 'testLate',
      options: { size: option.number({ default: 2 }) },
      create: () => ({ getConfig: () => ({ picked }) }),
    });
    const p = late();
    expect(p.getConfig()).toEqual({ size: 2, picked: 'not yet' });
    picked = 'kernels';
    expect(p.getConfig()).toEqual({ size: 2, picked: 'kernels' });
  });

  it('keeps the getters create returns and runs its hooks', () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const seen: number[] = [];
    const p = scaled({ factor: 0.5, onStep: (s) => seen.push(s) });
    const opt = withPlugins(tf.train.sgd(1), p);
    opt.minimize(() => tf.sum(w) as tf.Scalar, false, [w]);
    expect(p.steps).toBe(1);
    expect(seen).toEqual([0]);
    expect(Array.from(w.dataSync())).toEqual([0.5, 1.5]); // w − 1·(0.5·1)
    opt.dispose();
    w.dispose();
  });
});
