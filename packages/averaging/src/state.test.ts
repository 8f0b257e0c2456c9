import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PluggedOptimizer, withPlugins, type NamedTensor, type Plugin } from '@flatopt/core';
import {
  makeOptimizer,
  mlpProblem,
  normals,
  readAll,
  rebuild,
  useBackend,
  type Problem,
} from '@flatopt/core/testing';
import { withAveragedWeights } from './averaged';
import { ema } from './ema';
import { lookahead } from './lookahead';
import { swa } from './swa';
import { averagesOf, bits, slowOf } from './test-support';

const problems: Problem[] = [];
const problem = (seed: number) => {
  const p = mlpProblem({ seed });
  problems.push(p);
  return p;
};
afterEach(() => problems.splice(0).forEach((p) => p.dispose()));

/** Everything a plugin keeps, read: averages and count, or slow weights. */
function pluginState(plugin: Plugin): number[][] {
  if (plugin.type === 'lookahead') return bits(slowOf(plugin));
  const { averages, count } = averagesOf(plugin);
  return [...bits(averages), [count]];
}

const stacks: Record<string, () => Plugin[]> = {
  ema: () => [ema({ decay: 0.8, start: 2, every: 2 })],
  swa: () => [swa({ start: 3 })],
  lookahead: () => [lookahead({ k: 4, alpha: 0.5 })],
  'lookahead + ema + swa': () => [lookahead({ k: 3 }), ema({ decay: 0.9 }), swa({ start: 1, every: 2 })],
};

describe.each(['cpu', 'wasm'] as const)('averages are optimizer state (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  for (const optimizer of ['sgd', 'adam'] as const) {
    it.each(Object.keys(stacks))(
      `getWeights → setWeights before the first step: resumed training is bit-identical, averages included (%s, ${optimizer})`,
      async (stack) => {
        const [a, b] = [problem(51), problem(51)];
        const first = withPlugins(makeOptimizer(optimizer), ...stacks[stack]());
        for (let i = 0; i < 5; i++) first.minimize(a.loss, false, a.variables);
        const saved = await first.getWeights();
        const names = saved.map((w) => w.name);
        for (const p of first.plugins) {
          const slot = p.type === 'lookahead' ? 'slow' : 'average';
          expect(names).toContain(`flatopt/${p.name}/${slot}0`);
          expect(names).toContain(`flatopt/${p.name}/${slot}3`);
          if (p.type !== 'lookahead') expect(names).toContain(`flatopt/${p.name}/count`);
        }
        // Copies, as a file would hold them.
        const state: NamedTensor[] = saved.map((w) => ({
          name: w.name,
          tensor: tf.tensor(readAll([w.tensor])[0], w.tensor.shape, w.tensor.dtype),
        }));
        saved[0].tensor.dispose();
        const weights = a.read();
        for (let i = 0; i < 6; i++) first.minimize(a.loss, false, a.variables);

        b.assign(weights);
        const second = rebuild(first);
        await second.setWeights(state); // before its first step: core holds the state until init
        tf.dispose(state.map((w) => w.tensor));
        for (let i = 0; i < 6; i++) second.minimize(b.loss, false, b.variables);
        expect(bits(b.read())).toEqual(bits(a.read()));
        second.plugins.forEach((p, i) => expect(pluginState(p)).toEqual(pluginState(first.plugins[i])));
        first.dispose();
        second.dispose();
      },
    );
  }
});

describe('model.save + tf.loadLayersModel carry the averages', () => {
  beforeAll(() => useBackend('cpu'));

  it.each(Object.keys(stacks))(
    '%s: the loaded optimizer continues bit for bit, averages included',
    async (stack) => {
      const build = (optimizer: tf.Optimizer) => {
        const m = tf.sequential({
          layers: [
            tf.layers.dense({
              inputShape: [6],
              units: 8,
              activation: 'relu',
              kernelInitializer: 'glorotNormal',
            }),
            tf.layers.batchNormalization({ momentum: 0.5 }),
            tf.layers.dense({ units: 3, activation: 'softmax' }),
          ],
        });
        m.compile({ optimizer, loss: 'categoricalCrossentropy' });
        return m;
      };
      const x = tf.tensor2d(normals(24 * 6, 61), [24, 6]);
      const y = tf.tidy(() =>
        tf
          .oneHot(
            tf.tensor1d(
              Array.from({ length: 24 }, (_, i) => i % 3),
              'int32',
            ),
            3,
          )
          .toFloat(),
      );
      const model = build(withPlugins(tf.train.adam(0.01), ...stacks[stack]()));
      for (let i = 0; i < 4; i++) await model.trainOnBatch(x, y);
      let artifacts: tf.io.ModelArtifacts | undefined;
      await model.save(
        tf.io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
        { includeOptimizer: true },
      );
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
      const [original, restored] = [model.optimizer, loaded.optimizer] as PluggedOptimizer[];
      expect(PluggedOptimizer.is(restored)).toBe(true);
      expect(restored.plugins.map((p) => [p.type, p.name, p.getConfig()])).toEqual(
        original.plugins.map((p) => [p.type, p.name, p.getConfig()]),
      );
      for (let i = 0; i < 3; i++) {
        await model.trainOnBatch(x, y);
        await loaded.trainOnBatch(x, y);
      }
      expect(bits(readAll(loaded.getWeights()))).toEqual(bits(readAll(model.getWeights())));
      restored.plugins.forEach((p, i) => expect(pluginState(p)).toEqual(pluginState(original.plugins[i])));
      if (stack !== 'lookahead') {
        const plugin = stack === 'swa' ? 'swa' : 'ema';
        const predict = (m: tf.LayersModel) => {
          const out = m.predict(x) as tf.Tensor;
          const values = bits([out.dataSync() as Float32Array]);
          out.dispose();
          return values;
        };
        expect(withAveragedWeights(restored, () => predict(loaded), { plugin })).toEqual(
          withAveragedWeights(original, () => predict(model), { plugin }),
        );
      }
      original.dispose();
      restored.dispose();
      model.dispose();
      loaded.dispose();
      tf.dispose([x, y]);
    },
  );
});
