import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withPlugins } from '@flatopt/core';
import { kernelsAdded, type Problem, problemStepKernels } from '@flatopt/core/testing';
import { gradReg } from './grad-reg';

const [GAMMA, EPSILON] = [0.01, 0.05];
const N = 4; // the test problem's variables

/** ∇L at the current weights, in variable order. */
function gradients(p: Problem): tf.Tensor[] {
  const { grads } = tf.variableGrads(p.loss, p.variables);
  return p.variables.map((v) => grads[v.name]);
}

/**
 * Forward finite-difference GR written by hand in tfjs, as bench/src/benchmarks/hand-written.ts
 * writes it: g = ∇L(θ), g_ε = ∇L(θ + ε·g) with θ restored from saved copies, then the update with
 * G = (1 − γ/ε)·g + (γ/ε)·g_ε.
 */
function handWrittenForwardGr(p: Problem, optimizer: tf.Optimizer): void {
  tf.tidy(() => {
    const g = gradients(p);
    const saved = p.variables.map((v) => tf.clone(v));
    p.variables.forEach((v, i) => v.assign(tf.add(v, tf.mul(g[i], EPSILON))));
    const there = gradients(p);
    p.variables.forEach((v, i) => v.assign(saved[i]));
    const w = GAMMA / EPSILON;
    const G = g.map((x, i) => tf.add(tf.mul(x, 1 - w), tf.mul(there[i], w)));
    optimizer.applyGradients(p.variables.map((v, i) => ({ name: v.name, tensor: G[i] })));
  });
}

const minimize = (opt: tf.Optimizer) =>
  problemStepKernels((p) => () => opt.minimize(p.loss, false, p.variables));
const forward = () => gradReg({ gamma: GAMMA, epsilon: EPSILON, method: 'forward' });
const added = kernelsAdded;

describe.each(['cpu', 'wasm'])('gradReg forward: kernels per step on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('launches at most hand-written forward GR + the finiteness check (n Sum + 1 AddN)', () => {
    const flatopt = minimize(withPlugins(tf.train.sgd(0.1), forward()));
    const sgd = tf.train.sgd(0.1);
    const byHand = problemStepKernels((p) => () => handWrittenForwardGr(p, sgd));
    expect(flatopt.total - byHand.total, added(flatopt, byHand)).toBeLessThanOrEqual(N + 1);
  });

  it('adds to a plain step one gradient evaluation, the perturbation and the combination, nothing else', () => {
    const plain = minimize(withPlugins(tf.train.sgd(0.1)));
    const flatopt = minimize(withPlugins(tf.train.sgd(0.1), forward()));
    const evaluation = problemStepKernels((p) => () => tf.variableGrads(p.loss, p.variables).grads);
    // Perturbation θ + ε·g (n Multiply, n Add; the restore reassigns saved handles, no kernel);
    // combination (1 − w)·g + w·g_ε (2n Multiply, n Add).
    expect(flatopt.total - plain.total, added(flatopt, plain)).toBeLessThanOrEqual(
      evaluation.total + 2 * N + 3 * N,
    );
  });

  it('step() with its report adds the diagnostics (‖g‖², penalty, cosine), minimize does not', () => {
    const reported = problemStepKernels((p) => {
      const opt = withPlugins(tf.train.sgd(0.1), forward());
      return () => void opt.step(p.loss, p.variables);
    });
    const plainReported = problemStepKernels((p) => {
      const opt = withPlugins(tf.train.sgd(0.1));
      return () => void opt.step(p.loss, p.variables);
    });
    const [flatopt, plain] = [
      minimize(withPlugins(tf.train.sgd(0.1), forward())),
      minimize(withPlugins(tf.train.sgd(0.1))),
    ];
    // ‖g‖² and ‖g_ε‖² (2n Square, 2n Sum, 2 AddN), ⟨g, g_ε⟩ (n Multiply, n Sum, AddN), the penalty
    // (Multiply) and the cosine's scalar arithmetic (Multiply, Maximum, Sqrt, RealDiv).
    const diagnostics = 6 * N + 3 + 1 + 4;
    expect(reported.total - plainReported.total - (flatopt.total - plain.total)).toBeGreaterThan(0);
    expect(reported.total - plainReported.total - (flatopt.total - plain.total)).toBeLessThanOrEqual(
      diagnostics,
    );
  });
});
