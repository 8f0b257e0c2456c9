import * as tf from '@tensorflow/tfjs';
import { withPlugins } from '@flatopt/core';
import { flooding } from '@flatopt/flooding';
import { sam } from '@flatopt/sam';
import { loadDigits } from '@flatopt/example-utils';
import { fileIO } from './file-io';

export interface LayersFitOptions {
  trainPerDigit: number;
  testPerDigit: number;
  epochs: number;
  batchSize: number;
  validationSplit: number;
  learningRate: number;
  rho: number;
  level: number;
}

/** About a minute on the wasm backend on 2 cores: 6,750 training + 750 validation digits, 6 epochs. */
export const defaults: LayersFitOptions = {
  trainPerDigit: 750,
  testPerDigit: 100,
  epochs: 6,
  batchSize: 64,
  validationSplit: 0.1,
  learningRate: 1e-3,
  rho: 0.05,
  level: 0.02,
};

/** `--quick`: a few dozen digits and one epoch, to see every stage run in seconds. */
export const quick: Partial<LayersFitOptions> = {
  trainPerDigit: 4,
  testPerDigit: 2,
  epochs: 1,
  batchSize: 16,
};

export interface EpochRow {
  epoch: number;
  loss: number;
  acc: number;
  valLoss: number;
  valAcc: number;
}

export interface LayersFitResult {
  history: EpochRow[];
  testAccuracy: number;
  savedConfig: tf.serialization.ConfigDict;
  loadedConfig: tf.serialization.ConfigDict;
  savedIterations: number;
  loadedIterations: number;
  modelWeightsIdentical: boolean;
  optimizerWeights: { count: number; identical: boolean };
  resumed: EpochRow;
  resumedIterations: number;
  resumedTestAccuracy: number;
}

/** Dense(128, relu) → BatchNormalization → Dropout(0.2) → Dense(10, softmax), seeded initial weights. */
function buildModel(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [784],
        units: 128,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: 1 }),
      }),
      tf.layers.batchNormalization(),
      // Unseeded on purpose: a seeded tfjs Dropout draws the same mask on every step.
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({
        units: 10,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
}

/** Runs `model.fit` and returns its history, one row per epoch, printing each row as the epoch ends. */
async function fitEpochs(
  model: tf.LayersModel,
  data: { x: tf.Tensor; y: tf.Tensor },
  args: tf.ModelFitArgs,
  log: (s: string) => void,
): Promise<EpochRow[]> {
  const history: EpochRow[] = [];
  const onEpochEnd = async (epoch: number, logs: tf.Logs = {}) => {
    const r = {
      epoch: epoch + 1,
      loss: logs.loss,
      acc: logs.acc,
      valLoss: logs.val_loss,
      valAcc: logs.val_acc,
    };
    history.push(r);
    log(formatRow(r));
  };
  log(HEADER);
  await model.fit(data.x, data.y, { ...args, verbose: 0, callbacks: { onEpochEnd } });
  return history;
}

export function formatRow(r: EpochRow): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`.padStart(8);
  return `${String(r.epoch).padStart(5)}  ${r.loss.toFixed(4).padStart(8)} ${pct(r.acc)}  ${r.valLoss.toFixed(4).padStart(8)} ${pct(r.valAcc)}`;
}
export const HEADER = `${'epoch'.padStart(5)}  ${'loss'.padStart(8)} ${'acc'.padStart(8)}  ${'val_loss'.padStart(8)} ${'val_acc'.padStart(8)}`;

function accuracy(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): number {
  const out = model.evaluate(x, y, { batchSize: 256 }) as tf.Scalar[];
  const acc = out[1].dataSync()[0];
  tf.dispose(out);
  return acc;
}

/** Whether two lists of tensors have the same names (when named), shapes, dtypes and bytes. */
function sameBits(
  a: Array<{ name?: string; tensor: tf.Tensor }>,
  b: Array<{ name?: string; tensor: tf.Tensor }>,
) {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i];
      if (x.name !== y.name || x.tensor.dtype !== y.tensor.dtype) return false;
      if (!tf.util.arraysEqual(x.tensor.shape, y.tensor.shape)) return false;
      const [p, q] = [x.tensor.dataSync(), y.tensor.dataSync()];
      return (
        Buffer.compare(
          new Uint8Array(p.buffer, p.byteOffset, p.byteLength),
          new Uint8Array(q.buffer, q.byteOffset, q.byteLength),
        ) === 0
      );
    })
  );
}

const asNamed = (ts: tf.Tensor[]) => ts.map((tensor) => ({ tensor }));

/**
 * Trains the model with `model.fit` and `withPlugins(adam, sam, flooding)` as its optimizer, saves it
 * with the optimizer to `dir`, loads it back, checks the optimizer stack and state came back, and
 * resumes training for one epoch.
 */
export async function runLayersFit(
  dir: string,
  options: Partial<LayersFitOptions> = {},
  log: (s: string) => void = console.log,
): Promise<LayersFitResult> {
  const o = { ...defaults, ...options };
  const { train, test } = loadDigits(o.trainPerDigit, o.testPerDigit);
  const trainCount = train.x.shape[0];
  const valCount = Math.floor(trainCount * o.validationSplit);
  log(
    `MNIST digits: ${trainCount - valCount} train, ${valCount} validation, ${test.x.shape[0]} test; ` +
      `${o.epochs} epochs of batch ${o.batchSize}`,
  );

  const model = buildModel();
  const optimizer = withPlugins(
    tf.train.adam(o.learningRate),
    sam({ rho: o.rho }),
    flooding({ level: o.level }),
  );
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const fitArgs = { batchSize: o.batchSize, validationSplit: o.validationSplit };

  log(
    `\nmodel.fit with withPlugins(adam(${o.learningRate}), sam({ rho: ${o.rho} }), flooding({ level: ${o.level} }))`,
  );
  const history = await fitEpochs(model, train, { ...fitArgs, epochs: o.epochs }, log);
  const testAccuracy = accuracy(model, test.x, test.y);
  log(`test accuracy ${(100 * testAccuracy).toFixed(1)}% (${test.x.shape[0]} digits)`);

  // Save with the optimizer: its config (Adam + each plugin) goes to model.json, its state to weights.bin.
  const info = await model.save(fileIO(dir), { includeOptimizer: true });
  log(
    `\nsaved to ${dir} (model.json ${info.modelArtifactsInfo.modelTopologyBytes} B topology, ` +
      `weights.bin ${info.modelArtifactsInfo.weightDataBytes} B incl. optimizer state)`,
  );
  const loaded = await tf.loadLayersModel(fileIO(dir));
  const restored = loaded.optimizer;
  const savedConfig = optimizer.getConfig();
  const loadedConfig = restored.getConfig();
  log(`loaded optimizer: ${restored.getClassName()}`);
  for (const [key, value] of Object.entries(loadedConfig)) log(`  ${key}: ${JSON.stringify(value)}`);
  const configEqual = JSON.stringify(loadedConfig) === JSON.stringify(savedConfig);
  log(`  config equal to the saved one: ${configEqual ? 'yes' : 'NO'}`);
  const savedIterations = optimizer.iterations;
  const loadedIterations = restored.iterations;
  log(`  iterations: saved ${savedIterations}, loaded ${loadedIterations}`);
  const modelWeightsIdentical = sameBits(asNamed(model.getWeights()), asNamed(loaded.getWeights()));
  const [before, after] = [await optimizer.getWeights(), await restored.getWeights()];
  const optimizerWeights = { count: after.length, identical: sameBits(before, after) };
  // getWeights hands out the optimizer's own variables plus a fresh `iter` scalar: free the fresh ones.
  tf.dispose([...before, ...after].map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  log(
    `  model weights (BatchNorm statistics included) bit-identical: ${modelWeightsIdentical ? 'yes' : 'NO'}; ` +
      `optimizer state ${optimizerWeights.count} tensors bit-identical: ${optimizerWeights.identical ? 'yes' : 'NO'}`,
  );
  model.dispose();
  optimizer.dispose(); // compile() does not take ownership of an optimizer object

  log(`\nresumed training of the loaded model for one epoch`);
  const [resumed] = await fitEpochs(
    loaded,
    train,
    { ...fitArgs, epochs: o.epochs + 1, initialEpoch: o.epochs },
    log,
  );
  const resumedIterations = restored.iterations;
  const resumedTestAccuracy = accuracy(loaded, test.x, test.y);
  log(`iterations ${resumedIterations}; test accuracy ${(100 * resumedTestAccuracy).toFixed(1)}%`);
  loaded.dispose();
  restored.dispose();
  tf.dispose([train.x, train.y, test.x, test.y]);

  return {
    history,
    testAccuracy,
    savedConfig,
    loadedConfig,
    savedIterations,
    loadedIterations,
    modelWeightsIdentical,
    optimizerWeights,
    resumed,
    resumedIterations,
    resumedTestAccuracy,
  };
}
