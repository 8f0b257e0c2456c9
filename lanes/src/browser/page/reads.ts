/**
 * Blocking reads per training step, through each entry point a user trains with. Runs in the browser.
 */
import * as tf from '@tensorflow/tfjs';
import { PluggedOptimizer } from '@flatopt/core';
import { mlpProblem, useBackend, type BackendName } from '@flatopt/core/testing';
import { settledOf, stepAsync } from './async-api';
import { FIT_EPOCHS, RAW_STEPS } from '../steps';
import { BATCH, EXAMPLES, denseData, denseModel } from './dense-model';
import { lossFor, optimizerFor } from './optimizers';
import { countBlockingReads, type ReadCounter } from './read-counter';

export type EntryPoint = 'minimize' | 'step' | 'stepAsync' | 'fit' | 'fitDataset' | 'trainOnBatch';

export interface ReadCount {
  /** Blocking reads during each step (each batch, for fit and fitDataset). */
  perStep: number[];
  /** Blocking reads during the whole run, including what fit does between batches. */
  total: number;
  /** fit only: `tf.memory().numTensors` at the end of each epoch. */
  tensorsAfterEpoch?: number[];
}

function stepper(counter: ReadCounter) {
  const perStep: number[] = [];
  let begin = 0;
  return {
    perStep,
    begin: () => void (begin = counter.count),
    end: () => void perStep.push(counter.count - begin),
  };
}

/** minimize / step / stepAsync on the kit's MLP problem, RAW_STEPS steps from a fresh optimizer. */
async function rawSteps(name: string, entry: EntryPoint): Promise<ReadCount> {
  const problem = mlpProblem({ seed: 61 });
  const opt = optimizerFor(name);
  const loss = lossFor(name, problem);
  const plugged = PluggedOptimizer.is(opt) ? opt : null;
  if ((entry === 'step' || entry === 'stepAsync') && !plugged)
    throw new Error(`${entry} is a PluggedOptimizer method; '${name}' is a bare tf.Optimizer`);
  const counter = countBlockingReads();
  const s = stepper(counter);
  try {
    for (let i = 0; i < RAW_STEPS; i++) {
      s.begin();
      if (entry === 'minimize') {
        if (plugged) plugged.minimize(loss, false, problem.variables);
        else opt.minimize(problem.loss, false, problem.variables);
      } else if (entry === 'step') plugged!.step(loss, problem.variables);
      else await stepAsync(plugged!, loss, problem.variables);
      s.end();
    }
    return { perStep: s.perStep, total: counter.count };
  } finally {
    counter.restore();
    if (plugged) await settledOf(plugged)?.();
    opt.dispose();
    problem.dispose();
  }
}

/**
 * fit (FIT_EPOCHS epochs of EXAMPLES/BATCH batches), fitDataset (one such epoch) or trainOnBatch
 * (as many calls as an epoch has batches).
 */
async function layersSteps(name: string, entry: EntryPoint): Promise<ReadCount> {
  const data = denseData();
  const opt = optimizerFor(name);
  const model = denseModel(opt);
  const batches = tf.tidy(() =>
    Array.from({ length: EXAMPLES / BATCH }, (_, i) => [
      data.x.slice(i * BATCH, BATCH),
      data.y.slice(i * BATCH, BATCH),
    ]),
  );
  const counter = countBlockingReads();
  const s = stepper(counter);
  const tensorsAfterEpoch: number[] = [];
  const callbacks = {
    onBatchBegin: async () => s.begin(),
    onBatchEnd: async () => s.end(),
    onEpochEnd: async () => void tensorsAfterEpoch.push(tf.memory().numTensors),
  };
  try {
    if (entry === 'fit') {
      const options = { batchSize: BATCH, epochs: FIT_EPOCHS, shuffle: false, verbose: 0, callbacks };
      await model.fit(data.x, data.y, options);
      return { perStep: s.perStep, total: counter.count, tensorsAfterEpoch };
    } else if (entry === 'fitDataset') {
      await model.fitDataset(data.dataset(), { epochs: 1, verbose: 0, callbacks });
    } else {
      for (const [x, y] of batches) {
        s.begin();
        await model.trainOnBatch(x, y);
        s.end();
      }
    }
    return { perStep: s.perStep, total: counter.count };
  } finally {
    counter.restore();
    if (PluggedOptimizer.is(opt)) await settledOf(opt)?.();
    tf.dispose(batches.flat());
    data.dispose();
    opt.dispose();
    model.dispose();
  }
}

/** Blocking reads of the optimizer `name` (see optimizers.ts) through `entry`, on `backend`. */
export async function blockingReads(
  backend: BackendName,
  name: string,
  entry: EntryPoint,
): Promise<ReadCount> {
  await useBackend(backend);
  const layers = entry === 'fit' || entry === 'fitDataset' || entry === 'trainOnBatch';
  return layers ? layersSteps(name, entry) : rawSteps(name, entry);
}
