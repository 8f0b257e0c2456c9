import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDigits } from '@flatopt/example-utils';
import { DEFAULT_CONFIG, type Config } from './config';
import { ADAM, EMA, FLOODING, SAM, SWA } from './methods';
import { curveSteps, trainRun, type Digits } from './train';

const tiny: Config = {
  ...DEFAULT_CONFIG,
  trainPerDigit: 4,
  testPerDigit: 2,
  hidden: 8,
  batch: 10,
  epochs: 2,
  curvePoints: 3,
};
let data: Digits;
beforeAll(async () => {
  await tf.setBackend('cpu');
  data = loadDigits(tiny.trainPerDigit, tiny.testPerDigit);
});
afterAll(() => tf.dispose([data.train.x, data.train.y, data.test.x, data.test.y]));

describe('curveSteps', () => {
  it('spaces points evenly and always ends at the last step', () => {
    expect(curveSteps(240, 12)).toEqual([20, 40, 60, 80, 100, 120, 140, 160, 180, 200, 220, 240]);
    expect(curveSteps(10, 3)).toEqual([4, 8, 10]);
    expect(curveSteps(2, 5)).toEqual([1, 2]);
  });
});

describe('trainRun with weight averaging', () => {
  it('judges EMA and SWA by their average: d = 0 is the last iterate, SWA from step 0 is not', () => {
    const hp = (h: Partial<Config['hyperparameters']>): Config => ({
      ...tiny,
      hyperparameters: { ...tiny.hyperparameters, ...h },
    });
    const adam = trainRun(ADAM, 1, data, tiny);
    const last = trainRun(EMA, 1, data, hp({ emaDecay: 0 })); // a ← w every step: the average is w
    expect([last.testAccuracy, last.finalTrainLoss]).toEqual([adam.testAccuracy, adam.finalTrainLoss]);
    const mean = trainRun(SWA, 1, data, hp({ swaStart: 0, swaEvery: 1 })); // the mean of iterates 1…8
    expect(mean.evaluationsPerStep).toEqual(adam.evaluationsPerStep);
    expect(mean.finalTrainLoss).not.toBe(adam.finalTrainLoss);
  });
});

describe('trainRun', () => {
  it('trains for epochs × whole batches, reports the step counts, and is the same from the same seed', () => {
    const before = tf.memory().numTensors;
    const steps: number[] = [];
    const a = trainRun(SAM, 1, data, tiny, (s) => steps.push(s));
    expect(tf.memory().numTensors).toBe(before);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(a.curve.map((p) => p.step)).toEqual([3, 6, 8]);
    expect(a.evaluationsPerStep).toEqual({ gradient: 2, doubleBackprop: 0 });
    expect(a.floodAscentFraction).toBeUndefined();
    for (const p of a.curve) {
      expect(p.trainLoss).toBeGreaterThan(0);
      expect(p.testAccuracy * 20).toBe(Math.round(p.testAccuracy * 20)); // k of the 20 test digits
    }
    const b = trainRun(SAM, 1, data, tiny);
    expect({ ...b, seconds: 0 }).toEqual({ ...a, seconds: 0 });
    expect(trainRun(SAM, 2, data, tiny).finalTrainLoss).not.toBe(a.finalTrainLoss);
  });

  it('reports how often flooding ascended: never above the loss, always below it', () => {
    const high = { ...tiny, hyperparameters: { ...tiny.hyperparameters, floodLevel: 100 } };
    const low = { ...tiny, hyperparameters: { ...tiny.hyperparameters, floodLevel: 0 } };
    expect(trainRun(FLOODING, 1, data, high).floodAscentFraction).toBe(1);
    const none = trainRun(FLOODING, 1, data, low);
    expect(none.floodAscentFraction).toBe(0);
    // b = 0 is plain Adam, bit for bit.
    const adam = trainRun(ADAM, 1, data, tiny);
    expect(none.curve).toEqual(adam.curve);
    expect(none.finalTrainLoss).toBe(adam.finalTrainLoss);
  });
});
