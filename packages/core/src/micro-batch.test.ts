import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useProblems } from './__fixtures__/problems';
import { flatoptErrorMessage as message } from './testing/errors';
import type { Evaluation, Plugin, StepContext } from './types';
import { withPlugins } from './with-plugins';

const problem = useProblems();

/** Evaluates micro-batch `index` of `count` only (what the wrapped optimizer then applies). */
function onePart(index: number, count: number): Plugin {
  return {
    name: 'part',
    evaluate: (ctx: StepContext, next: () => Evaluation) => ctx.microBatch(index, count, next),
    getConfig: () => ({}),
  };
}

const read = (g: tf.NamedTensorMap, vs: readonly tf.Variable[]) =>
  vs.map((v) => Array.from(g[v.name].dataSync()));

describe('StepContext.microBatch: the loss restricted to one part of the batch', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it('differentiates and reports the mean over the part, equal to the loss of that part alone', () => {
    const p = problem();
    const n = p.perExampleLoss().shape[0];
    const count = 4;
    const size = n / count;
    const opt = withPlugins(tf.train.sgd(0.1), onePart(2, count));
    const { value, grads } = opt.computeGradients(p.perExampleLoss, p.variables);
    // Reference: the mean of the same examples' losses, by tfjs' own gradient.
    const ref = tf.variableGrads(
      () => tf.mean(tf.slice(p.perExampleLoss(), [2 * size], [size])) as tf.Scalar,
      p.variables,
    );
    expect(value.dataSync()[0]).toBeCloseTo(ref.value.dataSync()[0], 6);
    const [got, want] = [read(grads, p.variables), read(ref.grads, p.variables)];
    got.forEach((g, i) => g.forEach((x, j) => expect(x).toBeCloseTo(want[i][j], 6)));
    tf.dispose([value, ref.value, ...Object.values(grads), ...Object.values(ref.grads)]);
    opt.dispose();
  });

  it('refuses a scalar loss and a count that does not divide the batch, applying nothing', () => {
    const p = problem();
    const n = p.perExampleLoss().shape[0];
    const before = p.read();
    const opt = withPlugins(tf.train.sgd(0.1), onePart(0, 3));
    expect(n % 3).not.toBe(0);
    expect(message(() => opt.minimize(p.perExampleLoss, false, p.variables))).toBe(
      `part: 3 micro-batches need the loss function to return a vector of per-example losses whose length 3 divides (for example a tf.losses.* loss with tf.Reduction.NONE); it returned ${n} per-example losses. Nothing was applied.`,
    );
    expect(
      message(() => withPlugins(tf.train.sgd(0.1), onePart(0, 2)).minimize(p.loss, false, p.variables)),
    ).toMatch(/it returned a scalar\. Nothing was applied\.$/);
    expect(p.read()).toEqual(before);
    expect(opt.iterations).toBe(0);
    opt.dispose();
  });
});
