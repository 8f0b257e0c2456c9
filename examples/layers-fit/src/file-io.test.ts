import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withPlugins } from '@flatopt/core';
import { mulberry32 } from '@flatopt/core/testing';
import { flooding } from '@flatopt/flooding';
import { sam } from '@flatopt/sam';
import { fileIO } from './file-io';

/** Float32 values as raw bits, so -0 ≠ 0 and every last bit counts. */
const bits = (ts: tf.Tensor[]) =>
  ts.map((t) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer)));

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'flatopt-file-io-'));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('fileIO', () => {
  it('round-trips raw artifacts: JSON fields, weight specs and every byte of a multi-part weightData', async () => {
    const rand = mulberry32(3);
    const parts = [new Float32Array([1, -0, rand(), NaN]).buffer, new Float32Array([rand(), 2.5]).buffer];
    const weightSpecs: tf.io.WeightsManifestEntry[] = [
      { name: 'a', shape: [4], dtype: 'float32' },
      { name: 'b', shape: [2], dtype: 'float32', group: 'optimizer' },
    ];
    const artifacts: tf.io.ModelArtifacts = {
      modelTopology: { class_name: 'Sequential' },
      trainingConfig: { loss: 'mse', metrics: [], optimizer_config: { class_name: 'X', config: {} } },
      format: 'layers-model',
      weightSpecs,
      weightData: parts,
    };
    const dir = join(tempDir(), 'nested', 'model'); // save creates missing folders
    const result = await fileIO(dir).save(artifacts);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(24);
    expect(readFileSync(join(dir, 'weights.bin')).byteLength).toBe(24);

    const back = await fileIO(dir).load();
    expect(back.modelTopology).toEqual(artifacts.modelTopology);
    expect(back.trainingConfig).toEqual(artifacts.trainingConfig);
    expect(back.format).toBe('layers-model');
    expect(back.weightSpecs).toEqual(weightSpecs);
    const expected = new Uint8Array(tf.io.CompositeArrayBuffer.join(parts));
    expect(new Uint8Array(tf.io.CompositeArrayBuffer.join(back.weightData!))).toEqual(expected);
  });

  it('saves a trained model with its plugged optimizer and loads it back bit for bit', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [5],
          units: 6,
          activation: 'relu',
          kernelInitializer: tf.initializers.heNormal({ seed: 1 }),
        }),
        tf.layers.batchNormalization(),
        tf.layers.dense({
          units: 3,
          activation: 'softmax',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
        }),
      ],
    });
    const optimizer = withPlugins(tf.train.adam(1e-2), sam({ rho: 0.1 }), flooding({ level: 0.05 }));
    model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const rand = mulberry32(7);
    const x = tf.tensor2d(
      Array.from({ length: 12 * 5 }, () => rand() - 0.5),
      [12, 5],
    );
    const y = tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: 12 }, (_, i) => i % 3),
          'int32',
        ),
        3,
      )
      .toFloat();
    await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(optimizer.iterations).toBe(6);

    const dir = tempDir();
    await model.save(fileIO(dir), { includeOptimizer: true });
    expect(existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'weights.bin'))).toBe(true);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.trainingConfig.optimizer_config.class_name).toBe('FlatoptPluggedOptimizer');

    const loaded = await tf.loadLayersModel(fileIO(dir));
    const restored = loaded.optimizer;
    expect(restored.getConfig()).toEqual(optimizer.getConfig());
    expect(restored.iterations).toBe(6);
    expect(bits(loaded.getWeights())).toEqual(bits(model.getWeights()));
    const [saved, back] = [await optimizer.getWeights(), await restored.getWeights()];
    expect(back.map((w) => w.name)).toEqual(saved.map((w) => w.name));
    // iter, m and v of 6 variables (2 dense kernels + biases, BN gamma + beta), Adam's β powers.
    expect(back).toHaveLength(15);
    expect(bits(back.map((w) => w.tensor))).toEqual(bits(saved.map((w) => w.tensor)));

    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
    optimizer.dispose();
    restored.dispose();
  });

  it('rejects loading from a folder without model.json', async () => {
    await expect(fileIO(tempDir()).load()).rejects.toThrow(/ENOENT.*model\.json/);
  });
});
