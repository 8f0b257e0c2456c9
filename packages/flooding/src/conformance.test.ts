import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withPlugins } from '@flatopt/core';
import { conformanceCases, makeOptimizer, mlpProblem, type OptimizerName } from '@flatopt/core/testing';
import { BATCH, conformanceSubjects, EXAMPLE } from './conformance-subjects';
import { flooding } from './flooding';

describe('conformance: flooding', () => {
  for (const subject of conformanceSubjects)
    for (const c of conformanceCases(subject)) (c.skip === undefined ? it : it.skip)(c.name, c.run);
});

describe('conformance: the active levels flood on the kit’s problems', () => {
  beforeAll(() => tf.setBackend('cpu'));
  // The seeds of the kit's leak (41) and resume (51) checks, with both of its optimizers.
  const cases: Array<[OptimizerName, number]> = [
    ['sgd', 41],
    ['adam', 41],
    ['sgd', 51],
    ['adam', 51],
  ];

  it.each(cases)(
    'batch, level 1.1 (%s, seed %i): within 20 steps some ascend and some descend',
    (name, seed) => {
      const p = mlpProblem({ seed });
      const opt = withPlugins(makeOptimizer(name), flooding(BATCH));
      const below = Array.from(
        { length: 20 },
        () => opt.step(p.loss, p.variables).diagnostics['flooding/belowLevel'],
      );
      opt.dispose();
      p.dispose();
      expect(below.filter((x) => x === 1).length).toBeGreaterThan(2);
      expect(below.filter((x) => x === 0).length).toBeGreaterThan(2);
    },
  );

  it.each(cases)(
    'example, level 0.8 (%s, seed %i): every step floods some examples, not all',
    (name, seed) => {
      const p = mlpProblem({ seed });
      const opt = withPlugins(makeOptimizer(name), flooding(EXAMPLE));
      const below = Array.from(
        { length: 20 },
        () => opt.step(p.perExampleLoss, p.variables).diagnostics['flooding/belowLevel'],
      );
      opt.dispose();
      p.dispose();
      for (const fraction of below) {
        expect(fraction).toBeGreaterThan(0);
        expect(fraction).toBeLessThan(1);
      }
    },
  );
});
