import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withPlugins } from '@flatopt/core';
import {
  type KernelCounts,
  kernelDifference,
  kernelsAdded,
  mlpProblem,
  stepKernels,
} from '@flatopt/core/testing';
import { weightNorm } from './weight-norm';

/**
 * What weight normalization needs per reparameterized variable and step: ‖v‖ of the updated v
 * (Square, Sum, Maximum, Sqrt: 4; the next step's gradient map reuses it), ∂L/∂g = Σ G ⊙ v / ‖v‖
 * (Multiply, Sum, RealDiv: 3), ∂L/∂v = (g/‖v‖)(G − v·∂L/∂g/‖v‖) (RealDiv, Multiply, Sub,
 * RealDiv, Multiply: 5), w = g·v/‖v‖ (RealDiv, Multiply: 2) — 14 — and the wrapped optimizer's
 * update of one more parameter (g and v in place of w; SGD: Multiply and Add). The step counted
 * is a later one (`stepKernels` warms up first): the first step also computes ‖v‖ of the initial v.
 */
const PER_VARIABLE = 14 + 2;
/**
 * On the cpu backend the sums and scalings are products with a ones vector (broadcasting is slow
 * there): the three scalings by a row take a BatchMatMul each besides their Multiply.
 */
const CPU_EXTRA = 3;
const KERNELS = 2; // the test problem's rank-2 variables, which weightNorm() picks

const added = kernelsAdded;

function minimizeKernels(plugins: ReturnType<typeof weightNorm>[]): KernelCounts {
  const p = mlpProblem({ seed: 3 });
  const opt = withPlugins(tf.train.sgd(0.1), ...plugins);
  try {
    return stepKernels(() => opt.minimize(p.loss, false, p.variables));
  } finally {
    opt.dispose();
    p.dispose();
  }
}

describe.each(['cpu', 'wasm'])('weightNorm: kernels per step on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('adds per kernel the polar gradient map, the write-back and one more parameter update', () => {
    const plain = minimizeKernels([]);
    const normalized = minimizeKernels([weightNorm()]);
    const bound = KERNELS * (PER_VARIABLE + (backend === 'cpu' ? CPU_EXTRA : 0));
    expect(normalized.total - plain.total, added(normalized, plain)).toBeLessThanOrEqual(bound);
    // Column sums of the matrix kernels are matMuls with a ones row on every backend (2 per
    // kernel: ‖v‖ and ∂L/∂g); the scalings are broadcasting multiplies off cpu; nothing is reshaped.
    const { BatchMatMul, Reshape } = kernelDifference(normalized, plain);
    expect(BatchMatMul).toBe(KERNELS * (backend === 'cpu' ? 5 : 2));
    expect(Reshape).toBeUndefined();
  });

  it('ratio ≠ 1 adds the magnification v ← v₀ + ratio·(v − v₀): Sub, Multiply, Add per kernel', () => {
    const plain = minimizeKernels([weightNorm()]);
    const magnified = minimizeKernels([weightNorm({ ratio: 4 })]);
    // v₀ is held as an alias of v's buffer: no kernel.
    expect(magnified.total - plain.total, added(magnified, plain)).toBeLessThanOrEqual(KERNELS * 3);
  });
});
