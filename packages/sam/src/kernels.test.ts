import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withPlugins } from '@flatopt/core';
import { kernelsAdded, type Problem, problemStepKernels } from '@flatopt/core/testing';
import { sam } from './sam';

const RHO = 0.05;

/** ∇L at the current weights, in variable order. */
function gradients(p: Problem): tf.Tensor[] {
  const { grads } = tf.variableGrads(p.loss, p.variables);
  return p.variables.map((v) => grads[v.name]);
}

/**
 * SAM written by hand in tfjs, as bench/src/benchmarks/hand-written.ts writes it (a user's fair
 * and efficient version): g = ∇L(θ), ε = ρ·g/‖g‖, ∇L(θ + ε) with θ restored from saved copies,
 * then the optimizer's update.
 */
function handWrittenSam(p: Problem, optimizer: tf.Optimizer): void {
  tf.tidy(() => {
    const g = gradients(p);
    const scale = tf.div(RHO, tf.sqrt(tf.addN(g.map((x) => tf.sum(tf.square(x))))));
    const saved = p.variables.map((v) => tf.clone(v));
    p.variables.forEach((v, i) => v.assign(tf.add(v, tf.mul(g[i], scale))));
    const there = gradients(p);
    p.variables.forEach((v, i) => v.assign(saved[i]));
    optimizer.applyGradients(p.variables.map((v, i) => ({ name: v.name, tensor: there[i] })));
  });
}

const minimize = (opt: tf.Optimizer) =>
  problemStepKernels((p) => () => opt.minimize(p.loss, false, p.variables));
const added = kernelsAdded;

describe.each(['cpu', 'wasm'])('sam: kernels per step on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('launches at most hand-written SAM + the finiteness check (n Sum + 1 AddN) + 1 zero-gradient guard', () => {
    const flatopt = minimize(withPlugins(tf.train.sgd(0.1), sam({ rho: RHO })));
    const sgd = tf.train.sgd(0.1);
    const byHand = problemStepKernels((p) => () => handWrittenSam(p, sgd));
    const n = 4; // the problem's variables
    expect(flatopt.total - byHand.total, added(flatopt, byHand)).toBeLessThanOrEqual(n + 1 + 1);
  });

  it('adds to a plain step one gradient evaluation, the ascent and the perturbation, nothing else', () => {
    const plain = minimize(withPlugins(tf.train.sgd(0.1)));
    const flatopt = minimize(withPlugins(tf.train.sgd(0.1), sam({ rho: RHO })));
    const evaluation = problemStepKernels((p) => () => tf.variableGrads(p.loss, p.variables).grads);
    const n = 4;
    // Ascent: ‖g‖² (n Square, n Sum, AddN) and ρ/‖g‖ (Maximum, Sqrt, RealDiv); perturbation:
    // θ + scale·g (n Multiply, n Add); the restore reassigns saved handles (no kernel).
    const ascent = 2 * n + 1 + 3;
    const perturb = 2 * n;
    expect(flatopt.total - plain.total, added(flatopt, plain)).toBeLessThanOrEqual(
      evaluation.total + ascent + perturb,
    );
  });
});
