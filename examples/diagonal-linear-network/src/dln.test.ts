import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { sparseRegression } from './data';
import { createDln, dlnMetrics } from './dln';
import { residual } from './theory';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('createDln', () => {
  const problem = sparseRegression({ d: 30, n: 15, k: 3, seed: 2 });

  it('starts at u = v = α (β = 0) with L = ‖y‖²/(2n)', () => {
    const dln = createDln(problem, 0.3);
    const { u, v } = dln.read();
    expect(Array.from(u)).toEqual(new Array(30).fill(Math.fround(0.3)));
    expect(Array.from(v)).toEqual(Array.from(u));
    const loss = dln.loss();
    const expected = problem.y64.reduce((s, y) => s + y * y, 0) / 30;
    expect(Math.abs(loss.dataSync()[0] - expected) / expected).toBeLessThan(1e-6);
    loss.dispose();
    dln.dispose();
  });

  it('has the loss and the gradient (2u⊙r, −2v⊙r) of the float64 closed form, at random weights', () => {
    const dln = createDln(problem, 0.5);
    const rand = Array.from({ length: 60 }, (_, i) => 0.3 + 0.4 * ((i * 0.618) % 1));
    dln.u.assign(tf.tensor1d(rand.slice(0, 30)));
    dln.v.assign(tf.tensor1d(rand.slice(30)));
    const { u, v } = dln.read();
    const { r, loss } = residual(problem, u, v);
    const { value, grads } = tf.variableGrads(() => dln.loss(), dln.variables);
    expect(Math.abs(value.dataSync()[0] - loss) / loss).toBeLessThan(1e-5);
    const gu = grads[dln.u.name].dataSync();
    const gv = grads[dln.v.name].dataSync();
    const exact = [...Array.from(u, (x, i) => 2 * x * r[i]), ...Array.from(v, (x, i) => -2 * x * r[i])];
    const got = [...gu, ...gv];
    const norm = Math.hypot(...exact);
    expect(norm).toBeGreaterThan(0.1);
    expect(Math.hypot(...got.map((g, i) => g - exact[i])) / norm).toBeLessThan(1e-5);
    tf.dispose([value, ...Object.values(grads)]);
    dln.dispose();
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    const dln = createDln(problem, 0.5);
    dln.loss().dispose();
    dln.read();
    dln.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects α ≤ 0', () => {
    expect(() => createDln(problem, 0)).toThrow('createDln: alpha must be > 0; got 0.');
  });
});

describe('dlnMetrics', () => {
  it('reports √(u·v) on and off the support, ‖β‖₁ and ‖β − β*‖', () => {
    const p = sparseRegression({ d: 4, n: 3, k: 1, seed: 3 });
    const s = p.support[0];
    const u = [1, 1, 1, 1];
    const v = [1, 1, 1, 1];
    u[s] = 2; // β_s = 3, √(u_s·v_s) = √2
    v[(s + 1) % 4] = 0.25; // β = 1 − 1/16 there, √(u·v) = 0.5
    const m = dlnMetrics(p, u, v);
    expect(m.supportScale).toBeCloseTo(Math.SQRT2, 14);
    expect(m.offSupportScale).toBeCloseTo((1 + 1 + 0.5) / 3, 14);
    expect(m.l1).toBeCloseTo(3 + 15 / 16, 14);
    expect(m.error).toBeCloseTo(Math.hypot(2, 15 / 16), 14);
    expect(Array.from(m.beta)).toEqual(
      [0, 1, 2, 3].map((i) => (i === s ? 3 : i === (s + 1) % 4 ? 15 / 16 : 0)),
    );
  });
});
