import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDigits, type Split } from '@flatopt/example-utils';
import { firstLayer, runSweep, sweepTable, type SweepConfig } from './mnist-sweep';

const config: SweepConfig = {
  learningRates: [0.05, 0.5],
  steps: 24,
  every: 5,
  hidden: 8,
  seed: 3,
  eigenIterations: 8,
};

describe('the MNIST learning-rate sweep (small size, wasm)', () => {
  let data: { train: Split; test: Split };
  beforeAll(async () => {
    await tf.setBackend('wasm');
    data = loadDigits(6, 4);
  });
  afterAll(() => tf.dispose([data.train.x, data.train.y, data.test.x, data.test.y]));

  it('the fast first layer has tfjs matMul gradient', () => {
    const w = tf.tidy(() => tf.variable(tf.randomNormal<tf.Rank.R2>([784, 5], 0, 0.1, 'float32', 1)));
    const layer = firstLayer(data.train.x);
    const dy = tf.randomNormal([60, 5], 0, 1, 'float32', 2);
    const f = (mm: (w: tf.Tensor2D) => tf.Tensor2D) => () => tf.sum(tf.mul(mm(w), dy)) as tf.Scalar;
    const fast = tf.variableGrads(f(layer.matMul), [w]);
    const plain = tf.variableGrads(
      f((x) => tf.matMul(data.train.x, x)),
      [w],
    );
    const diff = tf.max(tf.abs(tf.sub(fast.grads[w.name], plain.grads[w.name]))).dataSync()[0];
    expect(diff).toBeLessThan(1e-5);
    expect(fast.value.dataSync()[0]).toBeCloseTo(plain.value.dataSync()[0], 4);
    tf.dispose([w, dy, fast.value, plain.value, fast.grads[w.name], plain.grads[w.name]]);
    layer.dispose();
  });

  it('measures R_IG, R_IG/E and λ_max at the step of best test accuracy, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const rows = await runSweep(config, data, (line) => lines.push(line));
    expect(tf.memory().numTensors).toBe(before);
    expect(rows.map((r) => r.learningRate)).toEqual([0.05, 0.5]);
    for (const r of rows) {
      expect(r.curve.map((c) => c.step)).toEqual([0, 5, 10, 15, 20]);
      expect(r.bestStep % config.every).toBe(0);
      const best = r.curve.find((c) => c.step === r.bestStep)!;
      expect(best.testAccuracy).toBe(r.testAccuracy);
      expect(Math.max(...r.curve.map((c) => c.testAccuracy))).toBe(r.testAccuracy);
      expect(r.ratio).toBeCloseTo(r.rIg / r.loss, 12);
      expect(r.loss).toBe(best.loss);
      expect(r.sharpness).toBeGreaterThan(0);
      expect(r.stabilityBound).toBe(2 / r.learningRate);
    }
    expect(lines.filter((l) => l.startsWith('h='))).toHaveLength(2);
    const table = sweepTable(rows).split('\n');
    expect(table[0]).toMatch(/h\s+best step\s+test acc\s+train acc\s+E\s+R_IG\s+R_IG\/E\s+λ_max\s+2\/h/);
    expect(table.length).toBeGreaterThanOrEqual(4);
  });
});
