import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { withPlugins, type Plugin } from '@flatopt/core';
import {
  conformanceCases,
  makeOptimizer,
  mlpProblem,
  useBackend,
  type OptimizerName,
} from '@flatopt/core/testing';
import { clipConformanceSubjects, MAX_NORM, LIMIT } from './conformance-clip';
import { clipByGlobalNorm } from './clip';

for (const subject of clipConformanceSubjects) {
  describe(`conformance: ${subject.name}`, () => {
    for (const c of conformanceCases(subject)) (c.skip === undefined ? it : it.skip)(c.name, c.run);
  });
}

describe('the active settings act on the kit problem', () => {
  it.each(['sgd', 'adam'] as OptimizerName[])(
    '%s: 10 steps clip by norm on most; the value limit cuts some entries of the first gradient',
    async (name) => {
      await useBackend('cpu');
      // Each alone, as the kit runs them (in one stack the inner value clip would shrink the norm).
      const run = (plugin: Plugin) => {
        const p = mlpProblem();
        const opt = withPlugins(makeOptimizer(name), plugin);
        const reports = Array.from({ length: 10 }, () => opt.step(p.loss, p.variables).diagnostics);
        opt.dispose();
        p.dispose();
        return reports;
      };
      const byNorm = run(clipByGlobalNorm({ maxNorm: MAX_NORM }));
      expect(byNorm.filter((d) => d['clipByGlobalNorm/clipped'] === 1).length).toBeGreaterThanOrEqual(6);
      // The first step's gradient has entries beyond the value limit, and entries within it.
      const p = mlpProblem();
      const { value, grads } = tf.variableGrads(p.loss, p.variables);
      const entries = Object.values(grads).flatMap((g) => Array.from(g.dataSync()));
      const beyond = entries.filter((v) => Math.abs(v) > LIMIT).length;
      expect(beyond).toBeGreaterThan(0);
      expect(beyond).toBeLessThan(entries.length);
      tf.dispose([value, ...Object.values(grads)]);
      p.dispose();
    },
  );
});
