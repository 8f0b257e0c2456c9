import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { FlatoptError, PluggedOptimizer, withPlugins } from '@flatopt/core';
import { ema } from './ema';
import { lookahead } from './lookahead';
import { swa } from './swa';

describe('options', () => {
  it('fill in defaults and are what getConfig saves', () => {
    expect(ema({ decay: 0.99 }).getConfig()).toEqual({ decay: 0.99, every: 1, start: 0 });
    expect(swa({ start: 100 }).getConfig()).toEqual({ start: 100, every: 1 });
    expect(lookahead().getConfig()).toEqual({ k: 5, alpha: 0.5 });
    expect([ema({ decay: 0.5 }).name, swa({ start: 0 }).name, lookahead().name]).toEqual([
      'ema',
      'swa',
      'lookahead',
    ]);
    expect(ema({ decay: 0.5, name: 'slowEma' }).name).toBe('slowEma');
  });

  it('bad values throw a FlatoptError naming the option, the value and the range, before anything is made', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => ema({ decay: 1 }), /^ema: option 'decay' must be a finite number in \[0, 1\); got 1\.$/],
      [() => ema({ decay: -0.1 }), /^ema: option 'decay' must be a finite number in \[0, 1\); got -0\.1\.$/],
      [() => ema({ decay: NaN }), /^ema: option 'decay' must be a finite number in \[0, 1\); got NaN\.$/],
      [() => ema({} as never), /^ema: option 'decay' is required\.$/],
      [() => ema({ decay: 0.9, start: -1 }), /^ema: option 'start' must be an integer ≥ 0; got -1\.$/],
      [() => ema({ decay: 0.9, every: 0 }), /^ema: option 'every' must be an integer ≥ 1; got 0\.$/],
      [() => ema({ decay: 0.9, every: 1.5 }), /^ema: option 'every' must be an integer ≥ 1; got 1\.5\.$/],
      [() => swa({ start: -3 }), /^swa: option 'start' must be an integer ≥ 0; got -3\.$/],
      [() => swa({ start: 10, every: 0 }), /^swa: option 'every' must be an integer ≥ 1; got 0\.$/],
      [() => swa({} as never), /^swa: option 'start' is required\.$/],
      [() => lookahead({ k: 0 }), /^lookahead: option 'k' must be an integer ≥ 1; got 0\.$/],
      [() => lookahead({ k: 2.5 }), /^lookahead: option 'k' must be an integer ≥ 1; got 2\.5\.$/],
      [
        () => lookahead({ alpha: 0 }),
        /^lookahead: option 'alpha' must be a finite number in \(0, 1\]; got 0\.$/,
      ],
      [
        () => lookahead({ alpha: 1.5 }),
        /^lookahead: option 'alpha' must be a finite number in \(0, 1\]; got 1\.5\.$/,
      ],
      [
        () => lookahead({ alpha: '0.5' } as never),
        /^lookahead: option 'alpha' must be a finite number in \(0, 1\]; got "0\.5"\.$/,
      ],
      [
        () => swa({ start: 1, decay: 0.9 } as never),
        /^swa: unknown option 'decay'; allowed options are 'start', 'every', 'name'\.$/,
      ],
    ];
    const tensors = tf.memory().numTensors;
    const variables = Object.keys(tf.engine().registeredVariables).length;
    for (const [make, message] of cases) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FlatoptError);
      expect((error as Error).message).toMatch(message);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Object.keys(tf.engine().registeredVariables).length).toBe(variables);
  });

  it('are registered: fromConfig (and so tf.loadLayersModel) rebuilds every plugin with its options', () => {
    const opt = withPlugins(
      tf.train.sgd(0.1),
      lookahead({ k: 7, alpha: 0.25 }),
      ema({ decay: 0.999, every: 2, start: 10, name: 'slow' }),
      swa({ start: 50, every: 5 }),
    );
    const config = JSON.parse(JSON.stringify(opt.getConfig()));
    const back = PluggedOptimizer.fromConfig(PluggedOptimizer, config) as unknown as PluggedOptimizer;
    expect(back.plugins.map((p) => [p.type, p.name, p.getConfig()])).toEqual([
      ['lookahead', 'lookahead', { k: 7, alpha: 0.25 }],
      ['ema', 'slow', { decay: 0.999, every: 2, start: 10 }],
      ['swa', 'swa', { start: 50, every: 5 }],
    ]);
    opt.dispose();
    back.dispose();
  });
});
