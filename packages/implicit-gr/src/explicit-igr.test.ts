import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { linear, PluggedOptimizer, withPlugins } from '@flatopt/core';
import { flatoptErrorMessage, mlpProblem, useBackend } from '@flatopt/core/testing';
import { gradReg } from '@flatopt/grad-reg';
import { explicitIgr } from './explicit-igr';

describe.each(['cpu', 'wasm'] as const)('explicitIgr (%s)', (backend) => {
  it.each(['forward', 'central'] as const)(
    'µ·R_IG with method %s is gradReg with γ = 2µ/m, bit for bit over 5 steps',
    async (method) => {
      await useBackend(backend);
      const [a, b] = [mlpProblem({ seed: 9 }), mlpProblem({ seed: 9 })];
      const m = a.variables.reduce((n, v) => n + v.size, 0);
      const mu = 3;
      const igr = withPlugins(tf.train.sgd(0.1), explicitIgr({ mu, method, epsilon: 0.02 }));
      const gr = withPlugins(tf.train.sgd(0.1), gradReg({ gamma: (2 * mu) / m, method, epsilon: 0.02 }));
      for (let i = 0; i < 5; i++) {
        const r = igr.step(a.loss, a.variables);
        gr.step(b.loss, b.variables);
        expect(r.gradientEvaluations).toBe(method === 'forward' ? 2 : 3);
      }
      expect(a.read()).toEqual(b.read());
      // and it regularized: the weights differ from plain SGD's
      const c = mlpProblem({ seed: 9 });
      const plain = withPlugins(tf.train.sgd(0.1));
      for (let i = 0; i < 5; i++) plain.minimize(c.loss, false, c.variables);
      expect(c.read()).not.toEqual(a.read());
      [igr, gr, plain].forEach((o) => o.dispose());
      [a, b, c].forEach((p) => p.dispose());
    },
  );
});

describe('explicitIgr: bad input', () => {
  it('names the option, the value and the range at construction', () => {
    expect(flatoptErrorMessage(() => explicitIgr({ mu: -1 }))).toBe(
      "explicitIgr: option 'mu' must be a finite number ≥ 0; got -1.",
    );
    expect(flatoptErrorMessage(() => explicitIgr({ mu: 1, epsilon: 0 }))).toMatch(
      /explicitIgr: option 'epsilon' must be a nonzero finite number/,
    );
    expect(flatoptErrorMessage(() => explicitIgr({ mu: 1, method: 'exact' as never }))).toMatch(
      /explicitIgr: option 'method' must be one of/,
    );
    expect(flatoptErrorMessage(() => explicitIgr({ mu: 1, rate: 2 } as never))).toBe(
      "explicitIgr: unknown option 'rate'; allowed options are 'mu', 'method', 'epsilon', 'name'.",
    );
    expect(flatoptErrorMessage(() => explicitIgr({} as never))).toBe("explicitIgr: option 'mu' is required.");
  });
});

describe('explicitIgr: configuration', () => {
  it('saves mu, and method and epsilon only when given; a rebuilt plugin has the same name and options', () => {
    const opt = withPlugins(
      tf.train.sgd(0.1),
      explicitIgr({
        mu: 2,
        method: 'central',
        epsilon: linear({ from: 0.1, to: 0.01, steps: 10 }),
        name: 'eg',
      }),
      explicitIgr({ mu: 0.5 }),
    );
    const config = JSON.parse(JSON.stringify(opt.getConfig()));
    expect(config.plugins).toEqual([
      {
        type: 'explicitIgr',
        name: 'eg',
        config: {
          mu: 2,
          method: 'central',
          epsilon: { schedule: 'linear', from: 0.1, to: 0.01, steps: 10, start: 0 },
        },
      },
      { type: 'explicitIgr', name: 'explicitIgr', config: { mu: 0.5 } },
    ]);
    const restored = PluggedOptimizer.fromConfig(PluggedOptimizer, config) as PluggedOptimizer;
    expect(restored.getConfig()).toEqual(opt.getConfig());
    expect(restored.plugins.map((p) => p.name)).toEqual(['eg', 'explicitIgr']);
    restored.dispose();
    opt.dispose();
  });
});
