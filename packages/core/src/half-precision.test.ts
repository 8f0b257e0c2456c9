/**
 * The half-precision path of the pipeline, run on the cpu backend made to report 16-bit floats:
 * the arithmetic stays float32, so what is tested is the plumbing (the watch on every probe, the
 * error at the next call, nothing lost or leaked), with float32's own rounding standing in for
 * float16's. The real float16 behaviour is tested in the browser lane (lanes/src/browser/f16).
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { probeTwice } from './__fixtures__/reference-plugins';
import { mlpProblem, readAll } from './testing/index';
import { withPlugins } from './with-plugins';

describe('half precision (cpu reporting 16-bit floats)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(() => vi.restoreAllMocks());

  const half = () => vi.spyOn(tf.backend(), 'floatPrecision').mockReturnValue(16);

  it('a probe whose perturbation is below the weights’ resolution throws at the next call', async () => {
    const p = mlpProblem({ seed: 3 });
    // ρ·g with ρ = 1e-12 is far below float32's resolution at these weights (~6e-8 at 0.5).
    const opt = withPlugins(tf.train.sgd(0.1), probeTwice({ rho: 1e-12 }));
    half();
    const before = tf.memory().numTensors;
    opt.minimize(p.loss, false, p.variables);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const weights = readAll(p.variables);
    expect(() => opt.minimize(p.loss, false, p.variables)).toThrow(
      /probeTwice: its finite-difference perturbation at iteration 0 was lost .* differ from it by 100%/,
    );
    expect(readAll(p.variables)).toEqual(weights);
    await opt.settled();
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    p.dispose();
  });

  it('a perturbation that arrives raises nothing, and `settled` waits for the last check', async () => {
    const p = mlpProblem({ seed: 3 });
    const opt = withPlugins(tf.train.sgd(0.1), probeTwice({ rho: 0.05 }));
    half();
    for (let i = 0; i < 3; i++) opt.minimize(p.loss, false, p.variables);
    await expect(opt.settled()).resolves.toBeUndefined();
    opt.dispose();
    p.dispose();
  });

  it('settled() raises a lost perturbation of the last step', async () => {
    const p = mlpProblem({ seed: 3 });
    const opt = withPlugins(tf.train.sgd(0.1), probeTwice({ rho: 1e-12 }));
    half();
    opt.minimize(p.loss, false, p.variables);
    await expect(opt.settled()).rejects.toThrow(/lost to half-precision rounding/);
    opt.dispose();
    p.dispose();
  });

  it('float32 backends make no check: the same tiny probe trains silently', async () => {
    const p = mlpProblem({ seed: 3 });
    const opt = withPlugins(tf.train.sgd(0.1), probeTwice({ rho: 1e-12 }));
    for (let i = 0; i < 2; i++) opt.minimize(p.loss, false, p.variables);
    await expect(opt.settled()).resolves.toBeUndefined();
    opt.dispose();
    p.dispose();
  });
});
