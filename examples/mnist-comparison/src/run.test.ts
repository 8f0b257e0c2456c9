import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { costSvg, curvesSvg } from './charts';
import { TINY_CONFIG } from './test-config';
import { METHODS, selectMethods } from './methods';
import { resultsJson } from './results';
import { prepareDigits, runComparison } from './run';
import { formatTable } from './table';
import { elementsOf, parseXml } from './xml-check';

const tiny = TINY_CONFIG;

/** Gradient evaluations per step as the step reports count them: [first-order, double backprop]. */
const EXPECTED_EVALUATIONS: Record<string, [number, number]> = {
  sgd: [1, 0],
  adam: [1, 0],
  sam: [2, 0],
  // ρ is 0 on the first of the 3 steps (the warm-up starts at 0): sam then takes the plain step.
  'sam-warm': [5 / 3, 0],
  asam: [2, 0],
  fgr: [2, 0],
  'fgr-strong': [2, 0],
  bgr: [2, 0],
  db: [0, 1], // one double-backprop evaluation: forward, backward and the backward of the backward
  flood: [1, 0],
  wn: [1, 0],
  ema: [1, 0],
  swa: [1, 0],
  'sam-flood': [2, 0],
  'fgr-flood': [2, 0],
};

describe('the whole comparison, at a tiny size', () => {
  it('trains all fifteen methods, counts their evaluations, and writes a sound JSON and two SVGs, leaking nothing', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const report = await runComparison({
      config: tiny,
      methods: METHODS,
      backend: 'cpu',
      stream: { write: (s: string) => lines.push(s) },
      interactive: false,
    });
    expect(tf.memory().numTensors).toBe(before);

    expect(report.runs).toHaveLength(METHODS.length);
    for (const s of report.summaries) {
      const [gradient, doubleBackprop] = EXPECTED_EVALUATIONS[s.method];
      expect([s.method, s.evaluationsPerStep]).toEqual([s.method, { gradient, doubleBackprop }]);
      expect(Number.isFinite(s.finalTrainLoss) && s.finalTrainLoss > 0).toBe(true);
      expect(s.testAccuracy.mean).toBeGreaterThanOrEqual(0);
      expect(s.testAccuracy.mean).toBeLessThanOrEqual(1);
      expect(s.timing!.ratio).toBeGreaterThan(0);
    }
    expect(lines[0]).toMatch(/^timing: 15 methods round-robin/);
    expect(lines.slice(1)).toHaveLength(METHODS.length);
    expect(lines[15]).toMatch(/^\[15\] Adam\+F-GR\+flooding seed 1: 3 steps in \d+\.\ds, ETA 0s\n$/);
    expect(formatTable(report.summaries, report.timing).split('\n')).toHaveLength(2 + 15 + 2 + 14 + 2);

    const json = JSON.parse(resultsJson([report]));
    expect(Object.keys(json)).toEqual(['createdAt', 'backend', 'seconds', 'timing', 'scenarios']);
    expect(json.backend).toBe('cpu');
    expect(json.timing).toMatchObject({ baseline: 'adam', rounds: 2, warmup: 1 });
    const [scenario] = json.scenarios;
    expect(scenario.labelNoise).toBe(0);
    expect(scenario.config).toEqual(tiny);
    expect(scenario.summary.description).toMatch(
      /^30 train \/ 20 test digits, clean labels, 784-8-10 ReLU MLP.*; 1 seed\.$/,
    );
    for (const m of scenario.summary.methods) {
      const [gradient, doubleBackprop] = EXPECTED_EVALUATIONS[m.key];
      expect(m).toMatchObject({ gradientEvaluations: gradient, doubleBackpropEvaluations: doubleBackprop });
      expect(Object.keys(m)).toEqual(
        expect.arrayContaining([
          'key',
          'label',
          'accuracy',
          'bestAccuracy',
          'topEigenvalue',
          'rIg',
          'finalLoss',
          'gradientEvaluations',
          'doubleBackpropEvaluations',
          'relativeStepTime',
        ]),
      );
      expect('vsAdam' in m).toBe(m.key !== 'adam');
      expect('memorized' in m).toBe(false);
      expect(m.relativeStepTime).toBeGreaterThan(0);
    }
    expect(scenario.methods.map((m: { key: string }) => m.key)).toEqual(METHODS.map((m) => m.key));
    for (const m of scenario.methods) {
      expect(Object.keys(m)).toEqual(
        expect.arrayContaining(['label', 'paper', 'hyperparameters', 'stepTime', 'runs']),
      );
      expect(m.runs).toHaveLength(1);
      const run = m.runs[0];
      expect(Object.keys(run)).toEqual(
        expect.arrayContaining([
          'seed',
          'testAccuracy',
          'bestTestAccuracy',
          'sharpness',
          'finalTrainLoss',
          'curve',
          'evaluationsPerStep',
        ]),
      );
      expect(run.curve.map((p: { step: number }) => p.step)).toEqual([2, 3]);
      for (const p of run.curve) {
        expect(Number.isFinite(p.trainLoss)).toBe(true);
        expect(p.testAccuracy).toBeGreaterThanOrEqual(0);
        expect(p.testAccuracy).toBeLessThanOrEqual(1);
      }
      expect('floodAscentFraction' in m).toBe(m.key.includes('flood'));
    }

    const curves = parseXml(curvesSvg(report.summaries, 'tiny'));
    const series = elementsOf(curves, 'polyline', 'series').map((e) => e.attributes['data-method']);
    expect(series).toEqual([...METHODS, ...METHODS].map((m) => m.key));
    const cost = parseXml(costSvg(report.summaries, 'tiny'));
    expect(elementsOf(cost, 'g', 'point').map((e) => e.attributes['data-method'])).toEqual(
      METHODS.map((m) => m.key),
    );
  });

  it('with label noise: trains on the noisy labels, measures memorization of the changed ones, leaks nothing', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const noisy = { ...tiny, labelNoise: 0.4, seeds: 2 };
    const data = prepareDigits(noisy);
    // 30 training digits, 40%: 12 labels changed, each to another class.
    expect(data.memorization!.x.shape).toEqual([12, 784]);
    const clean = prepareDigits(tiny);
    const agree = tf.tidy(
      () =>
        tf
          .sum(tf.cast(tf.equal(tf.argMax(data.train.y, 1), tf.argMax(clean.train.y, 1)), 'int32'))
          .dataSync()[0],
    );
    expect(agree).toBe(18);
    for (const d of [data, clean]) {
      tf.dispose([d.train.x, d.train.y, d.test.x, d.test.y]);
      if (d.memorization) tf.dispose([d.memorization.x, d.memorization.y]);
    }
    const report = await runComparison({
      config: noisy,
      methods: selectMethods(['adam', 'sam']),
      backend: 'cpu',
      stream: { write: () => {} },
      interactive: false,
    });
    expect(tf.memory().numTensors).toBe(before);
    for (const run of report.runs) {
      expect(run.memorized).toBeGreaterThanOrEqual(0);
      expect(run.memorized).toBeLessThanOrEqual(1);
      expect(run.bestTestAccuracy).toBeGreaterThanOrEqual(run.testAccuracy);
      expect(Number.isFinite(run.sharpness.topEigenvalue) && run.sharpness.rIg > 0).toBe(true);
    }
    const sam = report.summaries.find((s) => s.method === 'sam')!;
    expect(sam.memorized!.n).toBe(2);
    expect(sam.vsAdam!.seeds).toBe(2);
    const json = JSON.parse(resultsJson([report]));
    expect(json.scenarios[0].labelNoise).toBe(0.4);
    expect(json.scenarios[0].summary.description).toContain('40% label noise');
  });
});
