/** Tensors alive after each epoch of model.fit, to show a plugged optimizer leaks nothing per epoch. Runs in the browser. */
import * as tf from '@tensorflow/tfjs';
import { PluggedOptimizer } from '@flatopt/core';
import { useBackend, type BackendName } from '@flatopt/core/testing';
import { settledOf } from './async-api';
import { BATCH, denseData, denseModel } from './dense-model';
import { optimizerFor } from './optimizers';

/** `tf.memory().numTensors` at the end of each of `epochs` epochs of fit (4 batches each). */
export async function tensorsAfterEpochs(backend: BackendName, name: string, epochs = 2): Promise<number[]> {
  await useBackend(backend);
  const data = denseData();
  const opt = optimizerFor(name);
  const model = denseModel(opt);
  const counts: number[] = [];
  try {
    await model.fit(data.x, data.y, {
      batchSize: BATCH,
      epochs,
      shuffle: false,
      verbose: 0,
      callbacks: { onEpochEnd: async () => void counts.push(tf.memory().numTensors) },
    });
    return counts;
  } finally {
    if (PluggedOptimizer.is(opt)) await settledOf(opt)?.();
    data.dispose();
    opt.dispose();
    model.dispose();
  }
}
