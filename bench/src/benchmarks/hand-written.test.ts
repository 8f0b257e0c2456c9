import '@tensorflow/tfjs';
import { withPlugins } from '@flatopt/core';
import { formatKernels, kernelDifference, stepKernels } from '@flatopt/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMlp } from '../models';
import { tableHeader } from '../report';
import { runWithoutLeaks } from '../test-support';
import { bitwiseEqual, type TrainingStep } from './core-overhead';
import {
  HAND_WRITTEN_LIMIT,
  HAND_WRITTEN_PAIRS,
  handWrittenBenchmark,
  handWrittenForwardGr,
  maxRelativeDifference,
} from './hand-written';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const small = { layers: [12, 8, 8, 4], batchSize: 6 };
const STEPS = 4;

/** The weights after STEPS steps of `step` with `optimizer` from the shared seed. */
function train(optimizer: tf.Optimizer, step: TrainingStep): Float32Array[] {
  const model = createMlp({ ...small, seed: 11 });
  for (let i = 0; i < STEPS; i++) step(model, optimizer);
  const weights = model.variables.map((v) => (v.dataSync() as Float32Array).slice());
  model.dispose();
  optimizer.dispose();
  return weights;
}

const minimize: TrainingStep = (model, optimizer) =>
  void optimizer.minimize(model.loss, false, model.variables);

describe.each(Object.values(HAND_WRITTEN_PAIRS))('$name', (pair) => {
  it('computes the same update as flatopt: bitwise equal weights after a few steps, unlike plain SGD', () => {
    const before = tf.memory().numTensors;
    const hand = train(tf.train.sgd(0.1), pair.handWritten);
    const flat = train(withPlugins(tf.train.sgd(0.1), pair.plugin()), minimize);
    const plain = train(tf.train.sgd(0.1), minimize);
    expect(tf.memory().numTensors).toBe(before); // the hand-written step leaks nothing either
    expect(bitwiseEqual(hand, flat)).toBe(true); // same ops in the same order: not just close
    expect(maxRelativeDifference(hand, plain)).toBeGreaterThan(1e-4); // the comparison can fail
  });

  it('runs hand-written against flatopt on a small MLP: limit, memory, weights note, no leaks', async () => {
    const bench = handWrittenBenchmark(pair, small);
    expect(bench.name).toBe(pair.name);
    expect(bench.description).toContain(pair.pluginCode);
    expect(bench.description).toContain('12-8-8-4 ReLU MLP, batch 6');
    const { result, notes } = await runWithoutLeaks(bench, { warmup: 1, samples: 2 });
    expect(result.baseline).toBe('hand-written');
    expect(result.variants.map((v) => [v.name, v.samplesMs.length, v.limit])).toEqual([
      ['hand-written', 2, undefined],
      ['flatopt', 2, HAND_WRITTEN_LIMIT],
    ]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^cpu: final weights of `flatopt` are (bitwise identical to|within \S+ \(max \|difference\| \/ max \|weight\|\) of) `hand-written` after 4 steps each\.$/,
    );
    const runs = [{ backend: 'cpu', result }];
    expect(tableHeader(runs)).toEqual(
      expect.arrayContaining(['limit', 'within limit', 'peak tensors', 'peak MB', 'step peak MB']),
    );
    expect(bench.conclude!(runs)[0]).toMatch(
      /^(Every flatopt step stayed within its limit on cpu|Limits exceeded)/,
    );
  });
});

/**
 * What flatopt's step may launch beyond the hand-written one: the non-finite check (a Sum per
 * variable and one AddN) and, for SAM, the guard that keeps ρ·g/‖g‖ finite at g = 0 (a Maximum).
 */
const EXTRA_KERNELS: Record<string, (variables: number) => number> = {
  'hand-written-sam': (n) => n + 1 + 1,
  'hand-written-gr': (n) => n + 1,
};

describe.each(Object.values(HAND_WRITTEN_PAIRS))('$name: kernels per step', (pair) => {
  it('flatopt launches at most the hand-written step + the finiteness check (+ the zero-gradient guard)', () => {
    const count = (optimizer: tf.Optimizer, step: TrainingStep) => {
      const model = createMlp({ ...small, seed: 11 });
      const counts = stepKernels(() => step(model, optimizer));
      const n = model.variables.length;
      model.dispose();
      optimizer.dispose();
      return { counts, n };
    };
    const hand = count(tf.train.sgd(0.1), pair.handWritten);
    const flat = count(withPlugins(tf.train.sgd(0.1), pair.plugin()), minimize);
    const extra = `${flat.counts.total - hand.counts.total}: ${formatKernels(kernelDifference(flat.counts, hand.counts))}`;
    expect(flat.counts.total - hand.counts.total, extra).toBeLessThanOrEqual(
      EXTRA_KERNELS[pair.name](flat.n),
    );
  });
});

describe('handWrittenForwardGr', () => {
  it('with γ = 0 is plain SGD (the g_ε term has weight 0)', () => {
    const gr = train(tf.train.sgd(0.1), handWrittenForwardGr(0, 0.05));
    const plain = train(tf.train.sgd(0.1), minimize);
    expect(maxRelativeDifference(gr, plain)).toBeLessThan(1e-6);
  });
});

describe('maxRelativeDifference', () => {
  it('is the largest absolute difference over the largest absolute weight', () => {
    const f = (...xs: number[]) => Float32Array.from(xs);
    expect(maxRelativeDifference([f(1, -4), f(2)], [f(1, -4), f(2)])).toBe(0);
    expect(maxRelativeDifference([f(1, -4), f(2)], [f(1.5, -4), f(2)])).toBe(0.125);
    expect(maxRelativeDifference([f(0)], [f(0.5)])).toBe(0.5);
  });
});
