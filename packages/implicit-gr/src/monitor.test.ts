import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { PluggedOptimizer, withPlugins } from '@flatopt/core';
import { flatoptErrorMessage, mlpProblem, useBackend } from '@flatopt/core/testing';
import { measureIgr } from './measure';
import { igrMonitor, type IgrMonitor, type IgrRecord } from './monitor';

/** E and ‖∇E‖² at the current weights, computed directly. */
function direct(p: ReturnType<typeof mlpProblem>): [number, number] {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(p.loss, p.variables);
    const gnsq = tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))));
    return [value.dataSync()[0], gnsq.dataSync()[0]];
  });
}

const close = (a: number, b: number, rel = 1e-5) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.abs(b));

describe.each(['cpu', 'wasm'] as const)('igrMonitor (%s)', (backend) => {
  it('records E, ‖∇E‖², R_IG, λ, λ·R_IG, Ẽ and R_IG/E equal to a direct computation, at no extra gradient', async () => {
    await useBackend(backend);
    const p = mlpProblem({ seed: 3 });
    const h = 0.1;
    const m = p.variables.reduce((n, v) => n + v.size, 0);
    const monitor = igrMonitor();
    const opt = withPlugins(tf.train.sgd(h), monitor);
    for (let step = 0; step < 4; step++) {
      const [E, gnsq] = direct(p);
      const report = opt.step(p.loss, p.variables);
      await monitor.flush(); // the monitor reads without blocking
      expect(report.gradientEvaluations).toBe(1);
      const r = monitor.latest!;
      expect(r.step).toBe(step);
      close(r.loss, E);
      close(r.gradNormSq, gnsq);
      close(r.rIg, gnsq / m);
      expect(r.lambda).toBeCloseTo((h * m) / 4, 10);
      close(r.penalty, (h / 4) * gnsq);
      close(r.modifiedLoss, E + (h / 4) * gnsq);
      close(r.ratio, gnsq / m / E);
      expect([r.learningRate, r.parameters]).toEqual([h, m]);
      close(report.diagnostics['igrMonitor/rIg'], r.rIg, 1e-6);
      close(report.diagnostics['igrMonitor/modifiedLoss'], r.modifiedLoss, 1e-6);
    }
    expect(monitor.records).toHaveLength(4);
    opt.dispose();
    p.dispose();
  });

  it('measureIgr gives the same figures once, outside training, and leaves the weights alone', async () => {
    await useBackend(backend);
    const p = mlpProblem({ seed: 5 });
    const before = p.read();
    const figures = measureIgr(p.loss, p.variables, 0.05);
    expect(p.read()).toEqual(before);
    const monitor = igrMonitor();
    const opt = withPlugins(tf.train.sgd(0.05), monitor);
    opt.minimize(p.loss, false, p.variables);
    await monitor.flush();
    const { step, ...recorded } = monitor.latest!;
    expect(step).toBe(0);
    for (const [k, v] of Object.entries(figures)) close(recorded[k as keyof typeof recorded], v, 1e-6);
    opt.dispose();
    p.dispose();
  });
});

describe('igrMonitor: every, learning rate, sinks', () => {
  it('records every k-th step only, with h from the wrapped optimizer or given explicitly', async () => {
    await useBackend('cpu');
    const p = mlpProblem({ seed: 4 });
    const seen: IgrRecord[] = [];
    const monitor = igrMonitor({ every: 3, onRecord: (r) => seen.push(r) });
    const opt = withPlugins(tf.train.adam(0.01), monitor);
    const reports = Array.from({ length: 7 }, () => opt.step(p.loss, p.variables));
    await monitor.flush();
    expect(seen.map((r) => r.step)).toEqual([0, 3, 6]);
    expect(seen.every((r) => r.learningRate === 0.01)).toBe(true);
    expect(reports.map((r) => 'igrMonitor/rIg' in r.diagnostics)).toEqual([
      true,
      false,
      false,
      true,
      false,
      false,
      true,
    ]);
    opt.dispose();

    const fixed = igrMonitor({ learningRate: 0.2, keep: 2 });
    const opt2 = withPlugins(tf.train.adam(0.01), fixed);
    for (let i = 0; i < 3; i++) opt2.minimize(p.loss, false, p.variables);
    await fixed.flush();
    expect(fixed.records.map((r) => [r.step, r.learningRate])).toEqual([
      [1, 0.2],
      [2, 0.2],
    ]);
    expect(fixed.getConfig()).toEqual({ every: 1, keep: 2, learningRate: 0.2 });
    opt2.dispose();
    p.dispose();
  });

  it('sees the primary evaluation only once per step, also when an outer plugin evaluates twice', async () => {
    await useBackend('cpu');
    const p = mlpProblem({ seed: 6 });
    const monitor = igrMonitor();
    const twice = {
      name: 'twice',
      getConfig: () => ({}),
      evaluate: (_ctx: unknown, next: () => { loss: tf.Scalar }) => {
        next();
        return next();
      },
    };
    const opt = withPlugins(tf.train.sgd(0.1), twice as never, monitor);
    const [E] = direct(p);
    opt.minimize(p.loss, false, p.variables);
    await monitor.flush();
    expect(monitor.records).toHaveLength(1);
    close(monitor.latest!.loss, E);
    opt.dispose();
    p.dispose();
  });
});

describe('igrMonitor: configuration', () => {
  it('saves every and keep, learningRate only when given, never onRecord; a rebuilt monitor has the same name and options', () => {
    const opt = withPlugins(
      tf.train.sgd(0.1),
      igrMonitor({ every: 2, keep: 5, onRecord: () => {}, name: 'igr' }),
      igrMonitor({ learningRate: 0.2 }),
    );
    const config = JSON.parse(JSON.stringify(opt.getConfig()));
    expect(config.plugins).toEqual([
      { type: 'igrMonitor', name: 'igr', config: { every: 2, keep: 5 } },
      { type: 'igrMonitor', name: 'igrMonitor', config: { every: 1, keep: 10000, learningRate: 0.2 } },
    ]);
    const restored = PluggedOptimizer.fromConfig(PluggedOptimizer, config) as PluggedOptimizer;
    expect(restored.getConfig()).toEqual(opt.getConfig());
    expect(restored.plugins.map((p) => p.name)).toEqual(['igr', 'igrMonitor']);
    expect((restored.plugins[0] as IgrMonitor).records).toEqual([]);
    restored.dispose();
    opt.dispose();
  });
});

describe('igrMonitor, measureIgr: bad input gets a clear error, weights untouched', () => {
  it('refuses bad options at construction, naming the option, value and range', () => {
    expect(flatoptErrorMessage(() => igrMonitor({ every: 0 }))).toBe(
      "igrMonitor: option 'every' must be an integer ≥ 1; got 0.",
    );
    expect(flatoptErrorMessage(() => igrMonitor({ learningRate: -0.1 }))).toBe(
      "igrMonitor: option 'learningRate' must be a finite number > 0; got -0.1.",
    );
    expect(flatoptErrorMessage(() => igrMonitor({ onRecord: 5 as never }))).toMatch(
      /option 'onRecord' must be a function or an array of functions; got number/,
    );
    expect(flatoptErrorMessage(() => igrMonitor({ evry: 2 } as never))).toBe(
      "igrMonitor: unknown option 'evry'; allowed options are 'every', 'learningRate', 'onRecord', 'keep', 'name'.",
    );
    expect(flatoptErrorMessage(() => igrMonitor({ onRecord: [() => {}, 'x'] as never }))).toBe(
      "igrMonitor: option 'onRecord' must be a function or an array of functions; got string at index 1.",
    );
  });

  it('a wrapped optimizer without a numeric learning rate asks for learningRate, before any change', async () => {
    await useBackend('cpu');
    const p = mlpProblem({ seed: 7 });
    const inner = tf.train.sgd(0.1);
    Object.defineProperty(inner, 'learningRate', { value: undefined, writable: true });
    const opt = withPlugins(inner, igrMonitor());
    const before = p.read();
    expect(() => opt.minimize(p.loss, false, p.variables)).toThrow(
      /igrMonitor: the wrapped optimizer has no numeric learning rate to take h from; pass it explicitly, e.g. igrMonitor\(\{ learningRate: 0.01 \}\)/,
    );
    expect(p.read()).toEqual(before);
    expect(opt.iterations).toBe(0);
    opt.dispose();
    p.dispose();
  });

  it('measureIgr refuses a non-positive learning rate and variables with no gradient', async () => {
    await useBackend('cpu');
    const p = mlpProblem({ seed: 8 });
    const unused = tf.variable(tf.zeros([2]), true, 'igr-unused');
    expect(flatoptErrorMessage(() => measureIgr(p.loss, p.variables, 0))).toBe(
      "measureIgr: option 'learningRate' must be a finite number > 0; got 0.",
    );
    expect(flatoptErrorMessage(() => measureIgr(p.loss, [...p.variables, unused], 0.1))).toMatch(
      /measureIgr: the loss does not depend on variable\(s\) 'igr-unused', so they have no gradient/,
    );
    expect(flatoptErrorMessage(() => measureIgr(p.loss, [], 0.1))).toMatch(
      /'variables' must be a non-empty array/,
    );
    unused.dispose();
    p.dispose();
  });
});
