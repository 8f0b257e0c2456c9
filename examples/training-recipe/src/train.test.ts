import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDigits } from '@flatopt/example-utils';
import { buildOptimizer, VARIANTS } from './recipe';
import { resultsTable } from './report';
import { DEFAULT_FLAGS, parseFlags, runSettings } from './settings';
import { trainVariant, type RunResult } from './train';

describe('the recipe example, on a few digits', () => {
  let data: ReturnType<typeof loadDigits>;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    data = loadDigits(13, 10); // 130 train digits: 2 steps of 64 per epoch
  });
  afterAll(() => tf.dispose([data.train.x, data.train.y, data.test.x, data.test.y]));

  it('builds each variant as its stack says, outermost first', () => {
    const s = runSettings({ ...DEFAULT_FLAGS, epochs: 4 }, 130);
    expect([s.stepsPerEpoch, s.totalSteps]).toEqual([2, 8]);
    const stacks = VARIANTS.map((v) => {
      const opt = buildOptimizer(v, s);
      const types = opt.plugins.map((p) => p.type);
      opt.dispose();
      return types;
    });
    expect(stacks).toEqual([
      [],
      ['learningRate', 'clipByGlobalNorm', 'decoupledWeightDecay'],
      ['learningRate', 'clipByGlobalNorm', 'sam', 'decoupledWeightDecay', 'swa'],
    ]);
  });

  it('trains every variant without leaking, the recipe at 2·m evaluations per step, and tabulates them', () => {
    const s = runSettings({ ...DEFAULT_FLAGS, epochs: 4 }, 130);
    const before = tf.memory().numTensors;
    const results: RunResult[] = [];
    for (const seed of [1, 2]) for (const v of VARIANTS) results.push(trainVariant(v, seed, s, data));
    expect(tf.memory().numTensors).toBe(before);
    expect(results.map((r) => r.gradientEvaluations)).toEqual([
      1,
      1,
      2 * s.microBatches,
      1,
      1,
      2 * s.microBatches,
    ]);
    for (const r of results) {
      expect(Number.isFinite(r.trainLoss)).toBe(true);
      expect(r.testAccuracy).toBeGreaterThan(0.2); // chance is 0.1; 8 steps on 130 digits
    }
    // SWA's average is not the last iterate; the other variants report the last iterate.
    const recipe = results.filter((r) => r.variant === 'recipe');
    const others = results.filter((r) => r.variant !== 'recipe');
    expect(others.every((r) => r.testAccuracy === r.lastIterateAccuracy)).toBe(true);
    expect(recipe.length).toBe(2);
    const table = resultsTable(results).split('\n');
    expect(table).toHaveLength(5);
    expect(table[2]).toMatch(/^\| adam \| \d+\.\d ± \d+\.\d \| .* \| – \| 1 \| 1\.00× \|$/);
    expect(table[4]).toMatch(/^\| recipe \| .*paired t, 2 seeds.* \| 8 \| \d+\.\d\d× \|$/);
  });

  it('parses its flags and refuses bad ones', () => {
    expect(parseFlags(['--seeds', '3', '--epochs', '2'])).toMatchObject({ seeds: 3, epochs: 2 });
    expect(() => parseFlags(['--seeds', '0'])).toThrow(/--seeds/);
  });
});
