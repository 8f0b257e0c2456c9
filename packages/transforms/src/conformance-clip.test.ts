import '@tensorflow/tfjs';
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
import { clipByGlobalNorm, clipByValue } from './clip';

for (const subject of clipConformanceSubjects) {
  describe(`conformance: ${subject.name}`, () => {
    for (const c of conformanceCases(subject)) (c.skip === undefined ? it : it.skip)(c.name, c.run);
  });
}

describe('the active settings act on the kit problem', () => {
  it.each(['sgd', 'adam'] as OptimizerName[])(
    '%s: 10 steps clip by norm on most, and by value on every one',
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
      // Every step has entries beyond the limit (largest > limit), and clipping keeps the rest.
      for (const d of run(clipByValue({ limit: LIMIT })))
        expect(d['clipByValue/largest']).toBeGreaterThan(LIMIT);
    },
  );
});
