import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PluggedOptimizer } from '@flatopt/core';
import { assertBitwiseEqual, readAll } from '../bitwise';
import { ConformanceError } from '../errors';
import { normals } from '../prng';
import {
  callsPerUpdate,
  makeOptimizer,
  plugged,
  type ConformanceSubject,
  type OptimizerName,
} from '../subject';

export type LayersMode = 'fit' | 'fitDataset' | 'trainOnBatch';

const EXAMPLES = 24;
const METRICS = ['accuracy', 'mse'];

/** Dense → BatchNormalization → seeded Dropout → Dense(softmax): every side effect fit has. */
function buildModel(optimizer: tf.Optimizer): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [6], units: 10, activation: 'relu', kernelInitializer: 'glorotNormal' }),
      tfl.layers.batchNormalization({ momentum: 0.5 }),
      tfl.layers.dropout({ rate: 0.25, seed: 7 }),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: METRICS });
  return model;
}

function data(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const x = tf.tensor2d(normals(EXAMPLES * 6, 61), [EXAMPLES, 6]);
  const labels = tf.tensor1d(
    Array.from({ length: EXAMPLES }, (_, i) => (i * 5) % 3),
    'int32',
  );
  const y = tf.tidy(() => tf.cast(tf.oneHot(labels, 3), 'float32') as tf.Tensor2D);
  labels.dispose();
  return { x, y };
}

/** One training step through the tfjs-layers entry point `mode`; returns [loss, ...metrics] as reported. */
async function trainStep(
  model: tfl.LayersModel,
  mode: LayersMode,
  x: tf.Tensor,
  y: tf.Tensor,
): Promise<number[]> {
  if (mode === 'trainOnBatch') {
    const out = await model.trainOnBatch(x, y);
    return Array.isArray(out) ? out : [out];
  }
  const keys = ['loss', ...METRICS.map((m) => (m === 'accuracy' ? 'acc' : m))];
  let history: tfl.History;
  if (mode === 'fit') {
    history = await model.fit(x, y, { epochs: 1, batchSize: EXAMPLES, shuffle: false, verbose: 0 });
  } else {
    let served = false;
    const dataset = {
      size: 1,
      iterator: async () => ({
        next: async () => {
          if (served) return { done: true, value: null };
          served = true;
          return { done: false, value: { xs: x.clone(), ys: y.clone() } };
        },
      }),
    };
    history = await model.fitDataset(dataset as never, { epochs: 1, verbose: 0 });
  }
  return keys.map((k) => {
    const v = history.history[k]?.[0];
    if (typeof v !== 'number') throw new Error(`history has no '${k}'`);
    return v;
  });
}

function nonTrainable(model: tfl.LayersModel): Float32Array[] {
  return readAll(model.nonTrainableWeights.map((w) => w.read()));
}

/**
 * Under fit / fitDataset / trainOnBatch, on a model with BatchNormalization, Dropout and two
 * metrics: the reported loss and metrics, and the BatchNorm moving statistics after the step,
 * equal bit for bit those of the bare optimizer stepping from the same weights (so they come
 * from the primary evaluation and BatchNorm is updated exactly once); trainOnBatch returns as
 * many values; no tensor leaks per step after the first.
 */
export async function checkLayers(
  subject: ConformanceSubject,
  optimizer: OptimizerName,
  mode: LayersMode,
  steps = 2 + callsPerUpdate(subject),
): Promise<void> {
  const check = `${subject.name}: ${mode} (${optimizer})`;
  // The first update (call k with accumulation over k calls) creates the wrapped optimizer's state.
  const creating = callsPerUpdate(subject);
  const { x, y } = data();
  const model = buildModel(plugged(subject, optimizer));
  const reference = buildModel(makeOptimizer(optimizer));
  try {
    let tensorsAfterFirst = 0;
    for (let i = 0; i < steps; i++) {
      reference.setWeights(model.getWeights());
      const expected = await trainStep(reference, mode, x, y);
      const expectedStats = nonTrainable(reference);
      const before = tf.memory().numTensors;
      const got = await trainStep(model, mode, x, y);
      const grown = tf.memory().numTensors - before;
      if (i < creating) tensorsAfterFirst += grown;
      else if (grown !== 0) {
        throw new ConformanceError(
          check,
          `step ${i + 1} leaked ${grown} tensors (the first update created ${tensorsAfterFirst}).`,
        );
      }
      if (got.length !== expected.length) {
        throw new ConformanceError(
          check,
          `step ${i + 1} returned ${got.length} values, the bare optimizer ${expected.length}.`,
        );
      }
      assertBitwiseEqual(
        check,
        `reported [loss, ${METRICS.join(', ')}] at step ${i + 1}`,
        [Float32Array.from(got)],
        [Float32Array.from(expected)],
      );
      assertBitwiseEqual(
        check,
        `BatchNorm moving statistics after step ${i + 1}`,
        nonTrainable(model),
        expectedStats,
      );
    }
  } finally {
    model.optimizer.dispose();
    reference.optimizer.dispose();
    tf.dispose([x, y]);
    model.dispose();
    reference.dispose();
  }
}

/**
 * model.save(..., { includeOptimizer: true }) + tf.loadLayersModel bring back the wrapped
 * optimizer and every plugin with settings and state: the configs match, and training continued
 * on the loaded model is bit-identical to training continued on the original.
 */
export async function checkSaveLoad(
  subject: ConformanceSubject,
  optimizer: OptimizerName,
  steps = 3,
): Promise<void> {
  const check = `${subject.name}: model.save / tf.loadLayersModel (${optimizer})`;
  const { x, y } = data();
  const model = buildModel(plugged(subject, optimizer));
  let loaded: tfl.LayersModel | undefined;
  try {
    for (let i = 0; i < 2; i++) await model.trainOnBatch(x, y);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
      { includeOptimizer: true },
    );
    loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
    const restored = loaded.optimizer;
    if (!PluggedOptimizer.is(restored)) {
      throw new ConformanceError(
        check,
        `the loaded model's optimizer is ${restored?.constructor?.name}, not a PluggedOptimizer.`,
      );
    }
    const config = (o: tf.Optimizer) => {
      const { customObjects: _ignored, ...rest } = o.getConfig() as Record<string, unknown>;
      return JSON.stringify(rest);
    };
    if (config(restored) !== config(model.optimizer)) {
      throw new ConformanceError(
        check,
        `config after loading differs:\n  saved  ${config(model.optimizer)}\n  loaded ${config(restored)}`,
      );
    }
    if (restored.iterations !== model.optimizer.iterations) {
      throw new ConformanceError(
        check,
        `iterations after loading: ${restored.iterations}, saved ${model.optimizer.iterations}.`,
      );
    }
    for (let i = 0; i < steps; i++) {
      await model.trainOnBatch(x, y);
      await loaded.trainOnBatch(x, y);
    }
    assertBitwiseEqual(
      check,
      `weights after ${steps} steps on the loaded model`,
      readAll(loaded.getWeights()),
      readAll(model.getWeights()),
    );
  } finally {
    model.optimizer.dispose();
    loaded?.optimizer?.dispose();
    tf.dispose([x, y]);
    model.dispose();
    loaded?.dispose();
  }
}
