import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withPlugins, type Plugin } from '@flatopt/core';
import { type KernelCounts, kernelsAdded, mlpProblem, stepKernels } from '@flatopt/core/testing';
import { igrMonitor } from './monitor';

const N = 4; // the test problem's variables
/** ‖∇E‖² (n Square, n Sum, one AddN) and the one Pack of [E, ‖∇E‖²] for the asynchronous read. */
const RECORDED = 2 * N + 1 + 1;

const added = kernelsAdded;

function minimizeKernels(plugins: Plugin[], warmup = 2): KernelCounts {
  const p = mlpProblem({ seed: 3 });
  const opt = withPlugins(tf.train.sgd(0.1), ...plugins);
  try {
    return stepKernels(() => opt.minimize(p.loss, false, p.variables), warmup);
  } finally {
    p.dispose();
  }
}

describe.each(['cpu', 'wasm'])('igrMonitor: kernels per step on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it(`a recorded step adds ‖∇E‖² and the read's Pack (${RECORDED} kernels), an unrecorded one nothing`, async () => {
    const plain = minimizeKernels([]);
    const monitored = minimizeKernels([igrMonitor({ keep: 0 })]);
    expect(monitored.total - plain.total, added(monitored, plain)).toBe(RECORDED);
    // every: 10 records steps 0, 10, …: after 2 warm-up steps, step 2 is not recorded.
    const sparse = minimizeKernels([igrMonitor({ every: 10, keep: 0 })]);
    expect(sparse.total, added(sparse, plain)).toBe(plain.total);
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
});
