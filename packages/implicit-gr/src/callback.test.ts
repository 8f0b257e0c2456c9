import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { withPlugins } from '@flatopt/core';
import { flatoptErrorMessage, normals, useBackend } from '@flatopt/core/testing';
import { igrCallback } from './callback';
import { igrMonitor } from './monitor';

describe('igrCallback: the monitor’s figures in model.fit’s logs and history', () => {
  it('each epoch’s history entry is the mean of that epoch’s records', async () => {
    await useBackend('cpu');
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 6, activation: 'tanh' }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const monitor = igrMonitor();
    model.compile({ optimizer: withPlugins(tf.train.sgd(0.1), monitor), loss: 'meanSquaredError' });
    const x = tf.tensor2d(normals(32 * 4, 1), [32, 4]);
    const y = tf.tensor2d(normals(32 * 2, 2), [32, 2]);
    const batchLogs: number[] = [];
    const history = await model.fit(x, y, {
      epochs: 3,
      batchSize: 8,
      verbose: 0,
      callbacks: [
        igrCallback(monitor),
        {
          onBatchEnd: async (_b: number, logs?: Record<string, number>) => void batchLogs.push(logs!.igrRIg),
        },
      ],
    });
    expect(monitor.records).toHaveLength(12); // 3 epochs × 4 batches
    expect(batchLogs).toEqual(monitor.records.map((r) => r.rIg));
    const epochMeans = [0, 1, 2].map(
      (e) => monitor.records.slice(4 * e, 4 * e + 4).reduce((s, r) => s + r.rIg, 0) / 4,
    );
    expect(history.history.igrRIg).toEqual(epochMeans);
    for (const key of ['igrRatio', 'igrPenalty', 'igrModifiedLoss', 'igrGradNormSq', 'igrLambda'])
      expect(history.history[key]).toHaveLength(3);
    // fit's own loss is the primary evaluation's, as the monitor saw it
    expect(history.history.loss[0]).toBeCloseTo(
      monitor.records.slice(0, 4).reduce((s, r) => s + r.loss, 0) / 4,
      5,
    );
    tf.dispose([x, y]);
    model.dispose();
  });

  // Issue 16, rough edge 3: with every > steps per epoch, epochs without a record left no entry,
  // so history.history.igrRIg had 2 entries for 6 epochs and its indices no longer matched epochs.
  it('gives every epoch a history entry: NaN for an epoch in which the monitor recorded nothing', async () => {
    await useBackend('cpu');
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2 })] });
    const monitor = igrMonitor({ every: 10 });
    model.compile({ optimizer: withPlugins(tf.train.sgd(0.1), monitor), loss: 'meanSquaredError' });
    const x = tf.tensor2d(normals(32 * 4, 3), [32, 4]);
    const y = tf.tensor2d(normals(32 * 2, 4), [32, 2]);
    // 4 steps per epoch, a record every 10 steps: at steps 0, 10 and 20, in epochs 0, 2 and 5.
    const history = await model.fit(x, y, {
      epochs: 6,
      batchSize: 8,
      verbose: 0,
      callbacks: [igrCallback(monitor)],
    });
    expect(monitor.records).toHaveLength(3);
    const got = history.history.igrRIg as number[];
    expect(got).toHaveLength(6);
    expect(got.map(Number.isNaN)).toEqual([false, true, false, true, true, false]);
    expect([got[0], got[2], got[5]]).toEqual(monitor.records.map((r) => r.rIg));
    tf.dispose([x, y]);
    model.dispose();
  });

  it('refuses anything but a monitor', () => {
    expect(flatoptErrorMessage(() => igrCallback({} as never))).toBe(
      "igrCallback: argument 'monitor' must be the plugin igrMonitor() returned.",
    );
  });
});
