import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLAIN_SGD, useCpu } from './test-support';
import { buildStack, type StackConfig } from './stack';

beforeAll(useCpu);

const PLAIN: StackConfig = { ...PLAIN_SGD, igrMonitor: { on: false } };

/** One step of the stack on L(w) = ½‖w − 1‖² from w = 0; returns w and the step's report. */
async function oneStep(config: StackConfig) {
  const w = tf.variable(tf.zeros([2]));
  const stack = buildStack(config);
  const report = await stack.optimizer.stepAsync(
    () => tf.mul(0.5, tf.sum(tf.square(tf.sub(w, 1)))) as tf.Scalar,
    [w],
  );
  const after = Array.from(w.dataSync());
  w.dispose();
  stack.optimizer.dispose();
  return { after, report, stack };
}

describe('buildStack', () => {
  it('plain SGD steps w ← w − η∇L', async () => {
    const { after, report, stack } = await oneStep(PLAIN);
    expect(after[0]).toBeCloseTo(0.1, 6);
    expect(report.gradientEvaluations).toBe(1);
    expect(stack.label).toBe('sgd 0.1');
    expect(stack.monitor).toBeUndefined();
  });

  it('SAM steps with the gradient at w + ρ·g/‖g‖ (two evaluations)', async () => {
    const { after, report, stack } = await oneStep({
      ...PLAIN,
      sam: { on: true, rho: 0.05, adaptive: false },
    });
    // g = w − 1 = (−1, −1); ε = ρ·g/‖g‖; ∇L(w + ε) = w + ε − 1 = −(1 + 0.05/√2) per coordinate.
    expect(after[0]).toBeCloseTo(0.1 * (1 + 0.05 / Math.SQRT2), 6);
    expect(report.gradientEvaluations).toBe(2);
    expect(stack.label).toBe('sgd 0.1 + SAM ρ 0.05');
  });

  it('stacks every plugin, outermost first, and records R_IG with the monitor', async () => {
    const all: StackConfig = {
      optimizer: 'adam',
      learningRate: 0.01,
      sam: { on: true, rho: 0.05, adaptive: true },
      gradReg: { on: true, method: 'central', gamma: 0.1, epsilon: 0.01 },
      flooding: { on: true, level: 0.01 },
      weightNorm: { on: false },
      igrMonitor: { on: true },
      averaging: { kind: 'ema', decay: 0.9, start: 0 },
    };
    const { report, stack } = await oneStep(all);
    expect(stack.label).toBe('adam 0.01 + flooding b 0.01 + ASAM ρ 0.05 + GR central γ 0.1 + EMA d 0.9');
    expect(stack.averagedFrom).toBe(1);
    expect(report.gradientEvaluations).toBeGreaterThan(2);
    await stack.monitor!.flush();
    expect(stack.monitor!.latest!.rIg).toBeCloseTo(1, 5); // ‖∇E‖²/m = 2/2 at w = 0
  });

  it('names the bad option, from the page (learning rate) or from the plugin (ρ)', () => {
    expect(() => buildStack({ ...PLAIN, learningRate: 0 })).toThrow(
      /learning rate must be a finite number > 0; got 0/,
    );
    expect(() => buildStack({ ...PLAIN, sam: { on: true, rho: -1, adaptive: false } })).toThrow(/rho.*-1/);
  });
});
