import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withPlugins } from '@flatopt/core';
import { conformanceCases, makeOptimizer, mlpProblem, type OptimizerName } from '@flatopt/core/testing';
import { flooding, type FloodingOptions } from './flooding';

// Active levels sit inside the range the kit's problems cross (their loss starts at 1.1–1.2 and
// their per-example losses spread over 0.2–1.9), so some steps (examples) ascend and some descend;
// the last describe block checks that. b = 0 is the neutral setting: plain training for L ≥ 0.
const BATCH: FloodingOptions = { level: 1.1 };
const EXAMPLE: FloodingOptions = { level: 0.8, granularity: 'example' };

describe('conformance: flooding', () => {
  const subjects = [
    { name: 'flooding batch', create: () => flooding(BATCH), neutral: () => flooding({ level: 0 }) },
    {
      name: 'flooding example',
      create: () => flooding(EXAMPLE),
      neutral: () => flooding({ level: 0, granularity: 'example' }),
      loss: 'perExample' as const,
      layers: false, // tfjs-layers hands the optimizer a scalar loss
    },
  ];
  for (const subject of subjects) for (const c of conformanceCases(subject)) it(c.name, c.run);
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
