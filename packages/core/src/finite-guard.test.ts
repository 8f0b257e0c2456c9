import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mlpProblem, readAll, type Problem } from './testing/index';
import type { PluggedOptimizer } from './plugged-optimizer';
import type { Plugin } from './types';
import { withPlugins } from './with-plugins';

const problems: Problem[] = [];
const problem = (seed = 9) => {
  const p = mlpProblem({ seed });
  problems.push(p);
  return p;
};
afterEach(() => problems.splice(0).forEach((p) => p.dispose()));
beforeAll(() => tf.setBackend('cpu'));

const bits = (xs: Float32Array[]) => xs.map((x) => Array.from(new Uint32Array(x.buffer)));
const nanLoss = (p: Problem) => () => tf.mul(p.loss(), NaN) as tf.Scalar;
/** A NaN loss whose gradients are finite: the NaN is a constant. */
const nanConstant = (p: Problem) => () => tf.add(p.loss(), tf.scalar(NaN)) as tf.Scalar;
/** Weights and the optimizer's whole state, as bits. */
const everything = async (p: Problem, opt: PluggedOptimizer) =>
  bits([...p.read(), ...readAll((await opt.getWeights()).map((w) => w.tensor))]);
/** Lets pending reads resolve (on cpu they resolve within a few microtasks). */
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Counts blocking reads (dataSync/arraySync go through engine.readSync; data() does not). */
function countReads<T>(fn: () => T): { result: T; reads: number } {
  const engine = tf.engine() as unknown as { readSync: (id: object) => unknown };
  const original = engine.readSync;
  let reads = 0;
  engine.readSync = function (this: unknown, id: object) {
    reads++;
    return original.call(this, id);
  };
  try {
    return { result: fn(), reads };
  } finally {
    engine.readSync = original;
  }
}

describe("finiteCheck 'device': no blocking read, a bad step undone on the device", () => {
  it('makes no blocking read in minimize; step() makes one; stepAsync() none', async () => {
    const p = problem();
    const opt = withPlugins(tf.train.adam(0.01), { finiteCheck: 'device' });
    expect(countReads(() => opt.minimize(p.loss, false, p.variables)).reads).toBe(0);
    expect(countReads(() => opt.minimize(p.loss, false, p.variables)).reads).toBe(0);
    expect(countReads(() => opt.step(p.loss, p.variables)).reads).toBe(1);
    const { result, reads } = countReads(() => opt.stepAsync(p.loss, p.variables));
    expect(reads).toBe(0);
    expect((await result).skipped).toBe(false);
    opt.dispose();
  });

  it("'auto' reads once per minimize on cpu (a free read there) and not at all with 'ignore'", () => {
    const p = problem();
    const auto = withPlugins(tf.train.sgd(0.1));
    const ignore = withPlugins(tf.train.sgd(0.1), { nonFinite: 'ignore' });
    expect(countReads(() => auto.minimize(p.loss, false, p.variables)).reads).toBe(1);
    expect(countReads(() => ignore.minimize(p.loss, false, p.variables)).reads).toBe(0);
  });

  it.each(['cpu', 'wasm'])(
    'finite steps equal the bare optimizer bit for bit (%s, Adam)',
    async (backend) => {
      await tf.setBackend(backend);
      const [a, b] = [problem(4), problem(4)];
      const bare = tf.train.adam(0.01);
      const opt = withPlugins(tf.train.adam(0.01), { finiteCheck: 'device' });
      for (let i = 0; i < 4; i++) {
        bare.minimize(a.loss, false, a.variables);
        opt.minimize(b.loss, false, b.variables);
      }
      expect(bits(b.read())).toEqual(bits(a.read()));
      bare.dispose();
      opt.dispose();
      await tf.setBackend('cpu');
    },
  );

  it('a NaN step changes nothing and is raised by the next call once read, or by settled()', async () => {
    const p = problem();
    const opt = withPlugins(tf.train.adam(0.01), { finiteCheck: 'device' });
    opt.minimize(p.loss, false, p.variables);
    const before = await everything(p, opt);
    opt.minimize(nanLoss(p), false, p.variables); // does not throw: nothing was read
    // Undone on the device at once; only the iteration count waits for the verdict.
    expect(bits(p.read())).toEqual(before.slice(0, p.variables.length));
    expect(opt.iterations).toBe(2);
    await tick();
    expect(() => opt.minimize(p.loss, false, p.variables)).toThrow(
      /non-finite loss or gradient at iteration 1 \(loss NaN\), found by its asynchronous check: the update was undone on the device/,
    );
    expect(opt.iterations).toBe(1);
    expect(await everything(p, opt)).toEqual(before);
    opt.minimize(nanLoss(p), false, p.variables);
    await expect(opt.settled()).rejects.toThrow(/non-finite loss or gradient at iteration 1/);
    await expect(opt.settled()).resolves.toBeUndefined(); // raised once
    expect(await everything(p, opt)).toEqual(before);
    opt.dispose();
  });

  it('a NaN first step (before the optimizer has state) leaves Adam as if it had never run', async () => {
    const [a, b] = [problem(6), problem(6)];
    const hit = withPlugins(tf.train.adam(0.01), { finiteCheck: 'device', nonFinite: 'skip' });
    const clean = withPlugins(tf.train.adam(0.01), { finiteCheck: 'device', nonFinite: 'skip' });
    hit.minimize(nanLoss(a), false, a.variables);
    await hit.settled();
    expect(hit.iterations).toBe(0);
    for (let i = 0; i < 2; i++) {
      hit.minimize(a.loss, false, a.variables);
      clean.minimize(b.loss, false, b.variables);
    }
    expect(await everything(a, hit)).toEqual(await everything(b, clean));
  });

  it('takes back only the iterations of steps that reached the wrapped optimizer', async () => {
    // A plugin that applies every other call (as gradient accumulation does): an undone call that
    // never reached the wrapped optimizer must not lower its iteration count.
    let calls = 0;
    const everyOther: Plugin = {
      name: 'everyOther',
      apply: (_ctx, grads, next) => (calls++ % 2 === 1 ? next(grads) : undefined),
      getConfig: () => ({}),
    };
    const p = problem();
    const opt = withPlugins(tf.train.sgd(0.01), everyOther, { finiteCheck: 'device', nonFinite: 'skip' });
    opt.minimize(p.loss, false, p.variables);
    opt.minimize(p.loss, false, p.variables); // applied: iteration 1
    opt.minimize(nanLoss(p), false, p.variables); // not applied, and undone
    await opt.settled();
    expect(opt.iterations).toBe(1);
    opt.minimize(nanLoss(p), false, p.variables); // applied, and undone
    await opt.settled();
    expect(opt.iterations).toBe(1);
    const report = await opt.stepAsync(nanLoss(p), p.variables); // not applied
    expect([report.skipped, opt.iterations]).toEqual([true, 1]);
    opt.dispose();
  });

  it("stepAsync reports a skipped step under 'skip' and rejects under 'throw', changing nothing", async () => {
    const p = problem();
    const skip = withPlugins(tf.train.adam(0.01), { nonFinite: 'skip' });
    skip.minimize(p.loss, false, p.variables);
    const before = await everything(p, skip);
    const report = await skip.stepAsync(nanLoss(p), p.variables);
    expect(report.skipped).toBe(true);
    expect(report.loss).toBeNaN();
    expect(skip.iterations).toBe(1);
    expect(await everything(p, skip)).toEqual(before);

    const strict = withPlugins(tf.train.sgd(0.1));
    await expect(strict.stepAsync(nanLoss(p), p.variables)).rejects.toThrow(
      /non-finite loss or gradient at iteration 0 \(loss NaN\): the update was undone/,
    );
    expect(strict.iterations).toBe(0);
    expect(await everything(p, skip)).toEqual(before);
  });

  it('the two-call protocol carries a NaN loss with finite gradients to applyGradients', async () => {
    const p = problem();
    const opt = withPlugins(tf.train.sgd(0.1), { finiteCheck: 'device' });
    const weights = bits(p.read());
    const { value, grads } = opt.computeGradients(nanConstant(p), p.variables);
    expect(value.dataSync()[0]).toBeNaN();
    opt.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    expect(bits(p.read())).toEqual(weights);
    await expect(opt.settled()).rejects.toThrow(/non-finite loss or gradient at iteration 0, found by/);
    expect(opt.iterations).toBe(0);
  });

  it('an update that throws midway is undone, also when the step was finite', async () => {
    const p = problem();
    const failing: Plugin = {
      name: 'failsAfterUpdate',
      apply(_ctx, grads, next) {
        next(grads);
        throw new Error('boom after the update');
      },
      getConfig: () => ({}),
    };
    const opt = withPlugins(tf.train.adam(0.01), failing, { finiteCheck: 'device' });
    const weights = bits(p.read());
    expect(() => opt.minimize(p.loss, false, p.variables)).toThrow(/boom after the update/);
    expect(bits(p.read())).toEqual(weights);
  });

  it('leaks no tensor per step, with and without bad steps', async () => {
    const p = problem();
    const opt = withPlugins(tf.train.adam(0.01), { finiteCheck: 'device', nonFinite: 'skip' });
    opt.minimize(p.loss, false, p.variables);
    await opt.settled();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) opt.minimize(i % 5 === 2 ? nanLoss(p) : p.loss, false, p.variables);
    expect(tf.memory().numTensors).toBe(tensors);
    await opt.settled();
    expect(opt.iterations).toBe(17);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
