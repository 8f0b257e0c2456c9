import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quick, runLayersFit } from './layers-fit';

const dir = mkdtempSync(join(tmpdir(), 'flatopt-layers-fit-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the layers-fit example, --quick sized', () => {
  it('fits, saves with the optimizer, loads the same stack and state, and resumes one epoch', async () => {
    const lines: string[] = [];
    const tensorsBefore = tf.memory().numTensors;
    const r = await runLayersFit(dir, quick, (s) => lines.push(s));

    // 40 digits, 4 of them for validation: 36 training samples in batches of 16 → 3 steps per epoch.
    expect(lines[0]).toBe('MNIST digits: 36 train, 4 validation, 20 test; 1 epochs of batch 16');
    expect(r.history).toHaveLength(1);
    for (const row of [...r.history, r.resumed]) {
      for (const v of [row.loss, row.valLoss]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThan(0);
      }
      for (const v of [row.acc, row.valAcc]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0);

    expect(r.loadedConfig).toEqual(r.savedConfig);
    expect(r.savedConfig).toMatchObject({
      optimizer: { className: 'Adam', config: { learningRate: 1e-3 } },
      plugins: [
        { type: 'sam', config: { rho: 0.05 } },
        { type: 'flooding', config: { level: 0.02, granularity: 'batch' } },
      ],
    });
    expect(r.savedIterations).toBe(3);
    expect(r.loadedIterations).toBe(r.savedIterations);
    expect(r.modelWeightsIdentical).toBe(true);
    expect(r.optimizerWeights).toEqual({ count: 15, identical: true });

    expect(r.resumed.epoch).toBe(2);
    expect(r.resumedIterations).toBe(6);
    expect(lines).toContain('  config equal to the saved one: yes');
    // Models, optimizers and data are all disposed. Upstream leaks, not the example's: model.save with
    // includeOptimizer leaves the `iter` scalar of optimizer.getWeights() (tfjs-layers), and
    // PluggedOptimizer.setWeights leaves a reshaped copy of each of Adam's two hidden β powers.
    expect(tf.memory().numTensors - tensorsBefore).toBeLessThanOrEqual(3);
  });
});
