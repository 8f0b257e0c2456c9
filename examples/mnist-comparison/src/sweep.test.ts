import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMETERS, type Config } from './config';
import { TINY_CONFIG } from './test-config';
import {
  best,
  formatSweep,
  hyperparametersFor,
  sweepDigits,
  sweepScenario,
  VALIDATION_PER_DIGIT,
} from './sweep';

const tiny: Config = { ...TINY_CONFIG, curvePoints: 1 };
const point = (value: number, mean: number) => ({ value, accuracy: { mean, sd: 0, n: 2 }, topEigenvalue: 1 });
const dispose = (d: { train: { x: tf.Tensor; y: tf.Tensor }; test: { x: tf.Tensor; y: tf.Tensor } }) =>
  tf.dispose([d.train.x, d.train.y, d.test.x, d.test.y]);

describe('sweep', () => {
  it('scores on the validation split, never the test split; with noise, noisy labels on both', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const clean = sweepDigits(tiny);
    expect(clean.test.x.shape).toEqual([10 * VALIDATION_PER_DIGIT, 784]);
    const noisy = sweepDigits({ ...tiny, labelNoise: 0.4 });
    const same = (a: tf.Tensor, b: tf.Tensor) =>
      tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(a, 1), tf.argMax(b, 1)), 'int32')).dataSync()[0]);
    expect(same(noisy.test.y, clean.test.y)).toBe(0.6 * 10 * VALIDATION_PER_DIGIT);
    expect(same(noisy.train.y, clean.train.y)).toBe(18); // 30 digits, 12 changed
    dispose(clean);
    dispose(noisy);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('tries every value of every axis and chooses the best mean validation accuracy, leaking nothing', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const axes = [{ parameter: 'grStrong' as const, method: 'fgr-strong', values: [0.05, 0.2] }];
    const scenario = sweepScenario(tiny, 2, { write: () => {} }, false, axes);
    expect(tf.memory().numTensors).toBe(before);
    const [axis] = scenario.axes;
    expect(axis.points.map((p) => p.value)).toEqual([0.05, 0.2]);
    for (const p of axis.points) expect(p.accuracy.n).toBe(2);
    expect(scenario.chosen).toEqual({ grStrong: best(axis.points).value });
    expect(formatSweep(scenario)).toMatch(
      /^ {2}grStrong \(fgr-strong\): 0\.05: \d+\.\d ± \d+\.\d( ←)?, 0\.2: /,
    );
  });

  it('best takes the highest mean, the first of a tie', () => {
    expect(best([point(1, 0.5), point(2, 0.7), point(3, 0.6)]).value).toBe(2);
    expect(best([point(1, 0.7), point(2, 0.7)]).value).toBe(1);
  });

  it('the comparison uses the choices for its noise level, and the defaults where the sweep has none', () => {
    const sweep = { scenarios: [{ labelNoise: 0.4, chosen: { samWarmRho: 0.2, floodLevel: 1.2 } }] };
    expect(hyperparametersFor(0.4, sweep)).toEqual({
      hyperparameters: { ...DEFAULT_HYPERPARAMETERS, samWarmRho: 0.2, floodLevel: 1.2 },
      swept: true,
    });
    expect(hyperparametersFor(0, sweep)).toEqual({ hyperparameters: DEFAULT_HYPERPARAMETERS, swept: false });
    expect(hyperparametersFor(0.4, undefined).swept).toBe(false);
  });
});
