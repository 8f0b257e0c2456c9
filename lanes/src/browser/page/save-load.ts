/**
 * A plugged model saved with its optimizer to browser storage (`indexeddb://` or
 * `localstorage://`) and loaded back with tf.loadLayersModel. Runs in the browser.
 */
import * as tf from '@tensorflow/tfjs';
import { PluggedOptimizer } from '@flatopt/core';
import { useBackend, type BackendName } from '@flatopt/core/testing';
import { settledOf } from './async-api';
import { bitDiff, readValues, type BitDiff } from './bits';
import { BATCH, denseData, denseModel } from './dense-model';
import { optimizerFor } from './optimizers';

export type Storage = 'indexeddb' | 'localstorage';

export interface SaveLoadReport {
  /** The loaded model's optimizer class, and whether it is a PluggedOptimizer. */
  loadedClass: string;
  loadedIsPlugged: boolean;
  /** getConfig() of both (without the customObjects key tfjs-layers adds on load), as JSON. */
  savedConfig: string;
  loadedConfig: string;
  iterations: [saved: number, loaded: number];
  /** Model weights after one more trainOnBatch step on each. */
  weightsAfterStep: BitDiff;
}

const configOf = (o: tf.Optimizer) => {
  const { customObjects: _ignored, ...rest } = o.getConfig() as Record<string, unknown>;
  return JSON.stringify(rest);
};

let saves = 0;

export async function saveLoad(
  backend: BackendName,
  name: string,
  storage: Storage,
): Promise<SaveLoadReport> {
  await useBackend(backend);
  const url = `${storage}://flatopt-lane-${++saves}`;
  const data = denseData();
  const opt = optimizerFor(name);
  const model = denseModel(opt);
  const [x, y] = tf.tidy(() => [data.x.slice(0, BATCH), data.y.slice(0, BATCH)]);
  let loaded: tf.LayersModel | undefined;
  try {
    for (let i = 0; i < 2; i++) await model.trainOnBatch(x, y);
    await model.save(url, { includeOptimizer: true });
    loaded = await tf.loadLayersModel(url);
    const restored = loaded.optimizer;
    const report = {
      loadedClass: restored?.getClassName?.() ?? String(restored),
      loadedIsPlugged: PluggedOptimizer.is(restored),
      savedConfig: configOf(opt),
      loadedConfig: restored ? configOf(restored) : 'none',
      iterations: [opt.iterations, restored?.iterations ?? -1] as [number, number],
    };
    await model.trainOnBatch(x, y);
    await loaded.trainOnBatch(x, y);
    const weightsAfterStep = bitDiff(
      await readValues(loaded.getWeights()),
      await readValues(model.getWeights()),
      model.weights.map((w) => w.name),
    );
    return { ...report, weightsAfterStep };
  } finally {
    await tf.io.removeModel(url).catch(() => undefined);
    for (const o of [opt, loaded?.optimizer]) if (PluggedOptimizer.is(o)) await settledOf(o)?.();
    loaded?.optimizer?.dispose();
    opt.dispose();
    tf.dispose([x, y]);
    data.dispose();
    model.dispose();
    loaded?.dispose();
  }
}
