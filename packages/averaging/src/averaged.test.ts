import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FlatoptError, withPlugins, type PluggedOptimizer } from '@flatopt/core';
import { mlpProblem, useBackend, type Problem } from '@flatopt/core/testing';
import { assignAveraged, swapAveraged, withAveragedWeights } from './averaged';
import { updateBatchNorm } from './batch-norm';
import { ema } from './ema';
import { lookahead } from './lookahead';
import { swa } from './swa';
import { averagesOf, bits, read, slowOf } from './test-support';

const problems: Problem[] = [];
const problem = (seed = 5) => {
  const p = mlpProblem({ seed });
  problems.push(p);
  return p;
};
afterEach(() => problems.splice(0).forEach((p) => p.dispose()));
beforeAll(() => useBackend('cpu'));

/** An optimizer with an SWA average of 4 snapshots of `p`. */
function trained(p: Problem, plugins = [swa({ start: 2 })]): PluggedOptimizer {
  const opt = withPlugins(tf.train.adam(0.01), ...plugins);
  for (let i = 0; i < 6; i++) opt.minimize(p.loss, false, p.variables);
  return opt;
}

/** The loss's value, its tensor freed. */
function lossOf(p: Problem): number {
  const l = p.loss();
  const v = l.dataSync()[0];
  l.dispose();
  return v;
}

async function stateOf(opt: PluggedOptimizer): Promise<number[][]> {
  const w = await opt.getWeights();
  const out = bits(read(w.map((x) => x.tensor)));
  w[0].tensor.dispose();
  return out;
}

describe('withAveragedWeights', () => {
  it('runs fn with the averages in the weights and puts the training weights back bit for bit', () => {
    const p = problem();
    const plugin = swa({ start: 2 });
    const opt = trained(p, [plugin]);
    const training = bits(p.read());
    const { averages } = averagesOf(plugin);
    const tensors = tf.memory().numTensors;
    const loss = withAveragedWeights(opt, () => {
      expect(bits(p.read())).toEqual(bits(averages));
      return lossOf(p);
    });
    expect(bits(p.read())).toEqual(training);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(loss).not.toBe(lossOf(p));
    opt.dispose();
  });

  it('awaits an async fn before swapping back, and swaps back when fn throws or rejects', async () => {
    const p = problem();
    const plugin = ema({ decay: 0.5 });
    const opt = trained(p, [plugin]);
    const training = bits(p.read());
    const averaged = bits(averagesOf(plugin).averages);
    const tensors = tf.memory().numTensors;
    const out = await withAveragedWeights(opt, async () => {
      await new Promise((r) => setTimeout(r, 5));
      expect(bits(p.read())).toEqual(averaged);
      return 'done';
    });
    expect(out).toBe('done');
    expect(bits(p.read())).toEqual(training);
    expect(() =>
      withAveragedWeights(opt, () => {
        throw new Error('sync failure');
      }),
    ).toThrow('sync failure');
    expect(bits(p.read())).toEqual(training);
    await expect(
      withAveragedWeights(opt, async () => {
        await Promise.resolve();
        throw new Error('async failure');
      }),
    ).rejects.toThrow('async failure');
    expect(bits(p.read())).toEqual(training);
    expect(tf.memory().numTensors).toBe(tensors);
    opt.dispose();
  });

  it('with { model } also puts back the BatchNorm statistics that fn recomputed', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 6, activation: 'relu' }),
        tf.layers.batchNormalization(),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const optimizer = withPlugins(tf.train.sgd(0.1), swa({ start: 1 }));
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const x = tf.randomNormal([16, 4], 0, 1, 'float32', 1);
    const y = tf.randomNormal([16, 2], 0, 1, 'float32', 2);
    await model.fit(x, y, { epochs: 4, batchSize: 8, shuffle: false, verbose: 0 });
    const weights = bits(read(model.getWeights()));
    const tensors = tf.memory().numTensors;
    const inside = await withAveragedWeights(
      model.optimizer,
      async () => {
        await updateBatchNorm(model, [x]);
        return bits(read(model.nonTrainableWeights.map((w) => w.read())));
      },
      { model },
    );
    expect(inside).not.toEqual(weights.slice(6)); // the statistics (after the 6 trainable weights) changed inside
    expect(bits(read(model.getWeights()))).toEqual(weights);
    expect(tf.memory().numTensors).toBe(tensors);
    model.optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });
});

describe('swapAveraged', () => {
  it('swaps in, refuses training while swapped (changing nothing), and swaps back bit for bit', async () => {
    const p = problem();
    const plugin = swa({ start: 2 });
    const opt = trained(p, [plugin]);
    const training = bits(p.read());
    const tensors = tf.memory().numTensors;
    expect(swapAveraged(opt)).toBe(true);
    expect(bits(p.read())).toEqual(bits(averagesOf(plugin).averages));
    const state = await stateOf(opt);
    const swappedWeights = bits(p.read());
    expect(() => opt.minimize(p.loss, false, p.variables)).toThrow(
      /swa: the averaged weights are swapped in \(swapAveraged or withAveragedWeights\).*Nothing was applied\./,
    );
    // The two-call protocol: the evaluate stage refuses too, and so does applyGradients alone.
    expect(() => opt.computeGradients(p.loss, p.variables)).toThrow(FlatoptError);
    const grads = Object.fromEntries(p.variables.map((v) => [v.name, tf.onesLike(v)]));
    expect(() => opt.applyGradients(grads)).toThrow(FlatoptError);
    tf.dispose(Object.values(grads));
    expect(bits(p.read())).toEqual(swappedWeights);
    expect(await stateOf(opt)).toEqual(state);
    expect(opt.iterations).toBe(6);
    expect(() => withAveragedWeights(opt, () => 0)).toThrow(
      /withAveragedWeights: the averages of 'swa' are already swapped in \(swapAveraged\)/,
    );
    expect(swapAveraged(opt)).toBe(false);
    expect(bits(p.read())).toEqual(training);
    expect(tf.memory().numTensors).toBe(tensors);
    opt.minimize(p.loss, false, p.variables); // training works again
    opt.dispose();
  });
});

describe('assignAveraged', () => {
  it('makes the average the weights, keeps the average and count, and gives lookahead the new weights', () => {
    const p = problem();
    const averaging = swa({ start: 2 });
    const slow = lookahead({ k: 4 });
    const opt = trained(p, [slow, averaging]);
    const { averages, count } = averagesOf(averaging);
    expect(bits(slowOf(slow))).not.toEqual(bits(averages));
    assignAveraged(opt);
    expect(bits(p.read())).toEqual(bits(averages));
    expect(bits(averagesOf(averaging).averages)).toEqual(bits(averages));
    expect(averagesOf(averaging).count).toBe(count);
    expect(bits(slowOf(slow))).toEqual(bits(averages));
    opt.minimize(p.loss, false, p.variables);
    expect(averagesOf(averaging).count).toBe(count + 1);
    opt.dispose();
  });

  it('while swapped, makes the swap permanent and frees the training weights', () => {
    const p = problem();
    const plugin = ema({ decay: 0.8 });
    const opt = trained(p, [plugin]);
    const tensors = tf.memory().numTensors;
    swapAveraged(opt);
    assignAveraged(opt);
    expect(bits(p.read())).toEqual(bits(averagesOf(plugin).averages));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(() => opt.minimize(p.loss, false, p.variables)).not.toThrow();
    opt.dispose();
  });
});

describe('errors name the problem and change nothing', () => {
  it('not a plugged optimizer, no averaging plugin, several without a name, an unknown name or option', () => {
    const p = problem();
    const plain = tf.train.sgd(0.1);
    expect(() => withAveragedWeights(plain, () => 0)).toThrow(
      /withAveragedWeights: expected an optimizer made by withPlugins\(…\) with an ema\(\) or swa\(\) plugin .*; got an instance of SGDOptimizer\./,
    );
    const onlyLookahead = trained(p, [lookahead()]);
    expect(() => swapAveraged(onlyLookahead)).toThrow(
      /swapAveraged: the optimizer has no averaging plugin \(ema or swa\); its plugins: 'lookahead'\. \(lookahead keeps no average/,
    );
    const two = trained(p, [ema({ decay: 0.9 }), swa({ start: 0 })]);
    const before = bits(p.read());
    expect(() => assignAveraged(two)).toThrow(
      /assignAveraged: the optimizer has 2 averaging plugins \('ema', 'swa'\); pass \{ plugin: name \} to pick one\./,
    );
    expect(() => swapAveraged(two, { plugin: 'emma' })).toThrow(
      /swapAveraged: option 'plugin' must name one of the optimizer's averaging plugins \('ema', 'swa'\); got "emma"\./,
    );
    expect(() => swapAveraged(two, { plugn: 'ema' } as never)).toThrow(
      /swapAveraged: unknown option 'plugn'; allowed options are 'plugin', 'model'\./,
    );
    expect(() => assignAveraged(two, { plugin: 'swa', model: {} } as never)).toThrow(
      /assignAveraged: unknown option 'model'; allowed options are 'plugin'\./,
    );
    expect(() => withAveragedWeights(two, 3 as never, { plugin: 'ema' })).toThrow(
      /withAveragedWeights: 'fn' must be a function; got 3\./,
    );
    expect(bits(p.read())).toEqual(before);
    withAveragedWeights(
      two,
      () => expect(bits(p.read())).toEqual(bits(averagesOf(two.plugins[1]).averages)),
      {
        plugin: 'swa',
      },
    );
    [plain, onlyLookahead, two].forEach((o) => o.dispose());
  });

  it('before the first step, and before the first averaged step: no average yet', () => {
    const p = problem();
    const opt = withPlugins(tf.train.sgd(0.1), swa({ start: 5, every: 2 }));
    expect(() => withAveragedWeights(opt, () => 0)).toThrow(
      /withAveragedWeights: 'swa' has no average yet: the optimizer has not taken a step \(averaging starts at step 5\)\./,
    );
    for (let i = 0; i < 5; i++) opt.minimize(p.loss, false, p.variables);
    const before = bits(p.read());
    expect(() => swapAveraged(opt)).toThrow(
      /swapAveraged: 'swa' has no average yet: it averages steps 5, 7, … and the optimizer is at iteration 5\./,
    );
    expect(() => assignAveraged(opt)).toThrow(/assignAveraged: 'swa' has no average yet/);
    expect(bits(p.read())).toEqual(before);
    opt.minimize(p.loss, false, p.variables);
    expect(swapAveraged(opt)).toBe(true);
    expect(bits(p.read())).toEqual(bits(averagesOf(opt.plugins[0]).averages));
    swapAveraged(opt);
    opt.dispose();
  });

  it('state restored before the first step (as after tf.loadLayersModel): says so and how to proceed', async () => {
    const p = problem();
    const first = trained(p, [swa({ start: 2 })]);
    const second = withPlugins(tf.train.adam(0.01), swa({ start: 2 }));
    await second.setWeights(await first.getWeights());
    expect(() => withAveragedWeights(second, () => 0)).toThrow(
      /withAveragedWeights: 'swa' has no average in this session yet: the optimizer's state was restored \(iteration 6, .*Take one training step first/,
    );
    first.dispose();
    second.dispose();
  });

  it('after the optimizer was disposed', () => {
    const p = problem();
    const opt = trained(p);
    opt.dispose();
    expect(() => swapAveraged(opt)).toThrow(/swapAveraged: 'swa''s state was disposed with its optimizer\./);
  });
});
