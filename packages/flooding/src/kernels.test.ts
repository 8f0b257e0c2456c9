import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withPlugins, type Plugin } from '@flatopt/core';
import { type KernelCounts, kernelsAdded, type Problem, problemStepKernels } from '@flatopt/core/testing';
import { flooding } from './flooding';

/**
 * Kernels per step, which on tfjs-node and WebGL (a fixed 17–40 µs per kernel call) set the cost
 * of a step on a small model. Flooding is a transform of one scalar, |L − b| + b; what it needs:
 * the flooded value (Sub, Abs, Add), the sign of L − b with L = b counted as above (Sign, Sub,
 * Sign), a Multiply of the incoming gradient by that sign, and the op that ties them to the tape
 * with one saved copy of the sign: 9 kernels. A user writing |L − b| + b in the loss with tfjs
 * ops pays more, because the tape copies every op's inputs and each op gets a backward pass.
 */
const FLOOD_KERNELS = 9;
/** floodedLoss (Sub, Abs, Add) and belowLevel (Less, Cast), only for a report that is read. */
const DIAGNOSTIC_KERNELS = 5;

function minimizeKernels(
  plugins: Plugin[],
  loss: (p: Problem) => () => tf.Scalar | tf.Tensor1D = (p) => p.loss,
): KernelCounts {
  const opt = withPlugins(tf.train.sgd(0.1), ...plugins);
  return onProblem((p) => () => opt.minimize(loss(p), false, p.variables));
}

const onProblem = (run: (p: Problem) => () => unknown) => problemStepKernels(run, 5);
const added = kernelsAdded;

describe.each(['cpu', 'wasm'])('flooding: kernels per step on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it(`adds ${FLOOD_KERNELS} kernels to a plain step, fewer than |L − b| + b written with tfjs ops`, () => {
    const plain = minimizeKernels([]);
    const flooded = minimizeKernels([flooding({ level: 0.02 })]);
    expect(flooded.total - plain.total, added(flooded, plain)).toBeLessThanOrEqual(FLOOD_KERNELS);
    // The same with b = 0 (a level is a number like any other; no special path).
    expect(minimizeKernels([flooding({ level: 0 })]).total).toBe(flooded.total);

    const sgd = tf.train.sgd(0.1);
    const bare = onProblem((p) => () => sgd.minimize(p.loss, false, p.variables));
    const byHand = onProblem((p) => () => {
      const loss = () => tf.add(tf.abs(tf.sub(p.loss(), 0.02)), 0.02) as tf.Scalar;
      return sgd.minimize(loss, false, p.variables);
    });
    expect(byHand.total - bare.total).toBeGreaterThan(flooded.total - plain.total);
  });

  it(`per example: one Mean more (the objective's and the reported loss's means differ)`, () => {
    const plain = minimizeKernels([], (p) => p.perExampleLoss);
    const flooded = minimizeKernels(
      [flooding({ level: 0.02, granularity: 'example' })],
      (p) => p.perExampleLoss,
    );
    expect(flooded.total - plain.total, added(flooded, plain)).toBeLessThanOrEqual(FLOOD_KERNELS + 1);
  });

  it(`step() with its report adds the ${DIAGNOSTIC_KERNELS} kernels of the diagnostics, minimize none`, () => {
    const run = (plugins: Plugin[]) => {
      const opt = withPlugins(tf.train.sgd(0.1), ...plugins);
      return onProblem((p) => () => void opt.step(p.loss, p.variables));
    };
    const [plain, flooded] = [run([]), run([flooding({ level: 0.02 })])];
    expect(flooded.total - plain.total, added(flooded, plain)).toBeLessThanOrEqual(
      FLOOD_KERNELS + DIAGNOSTIC_KERNELS,
    );
  });
});
