import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { EXPERIMENTS, formatExperiment, PLAIN_SGD, runExperiment, type Experiment } from './experiments';
import { ADAM } from './methods';
import { TINY_CONFIG } from './test-config';
import { DEFAULT_HYPERPARAMETERS } from './config';

describe('experiments', () => {
  it('name their paper, claim and a reference that is one of their arms, with unique labels', () => {
    expect(EXPERIMENTS.map((e) => e.key)).toEqual(['karakida', 'barrett-dherin']);
    for (const e of EXPERIMENTS) {
      const labels = e.arms.map((a) => a.label);
      expect(new Set(labels).size).toBe(labels.length);
      expect(labels).toContain(e.reference);
      expect(e.paper).toMatch(/\d{4}/);
    }
  });

  it('plain SGD is θ ← θ − h·g with no momentum', () => {
    const opt = PLAIN_SGD.optimizer({ ...DEFAULT_HYPERPARAMETERS, sgdLearningRate: 0.3 });
    expect(opt.getConfig()).toEqual({ learningRate: 0.3 });
    opt.dispose();
  });

  it('trains every arm from the same seeds, compares each with the reference, and leaks nothing', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const experiment: Experiment = {
      key: 'tiny',
      paper: 'Test 2026',
      claim: 'a claim',
      labelNoise: 0.4,
      reference: 'lr 0.1',
      arms: [
        { label: 'Adam', method: ADAM },
        { label: 'lr 0.1', method: PLAIN_SGD, overrides: { sgdLearningRate: 0.1 } },
      ],
    };
    const result = runExperiment(experiment, { ...TINY_CONFIG, seeds: 2 }, { write: () => {} }, false);
    expect(tf.memory().numTensors).toBe(before);
    expect(result.arms.map((a) => a.label)).toEqual(['Adam', 'lr 0.1']);
    expect(result.arms[0].vsReference!.seeds).toBe(2);
    expect('vsReference' in result.arms[1]).toBe(false);
    expect(result.arms[1].settings).toBe('lr 0.1');
    for (const arm of result.arms) expect(arm.memorized!.n).toBe(2);
    const text = formatExperiment(result).split('\n');
    expect(text[0]).toBe('Test 2026: a claim.');
    expect(text[1]).toMatch(/^ {2}Adam: test .*; vs lr 0\.1: .*\(paired t, 2 seeds\)/);
    expect(text[2]).toMatch(/\(reference\)$/);
  });
});
