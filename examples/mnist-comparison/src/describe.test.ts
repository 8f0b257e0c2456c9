import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, DEFAULT_HYPERPARAMETERS } from './config';
import { describeConfig, describeMethods, floodingNote } from './describe';
import { ADAM, FLOODING, SAM } from './methods';
import type { MethodSummary } from './summary';

const summary = (method: string, label: string, extra: Partial<MethodSummary> = {}): MethodSummary => ({
  method,
  label,
  testAccuracy: { mean: 0.9, sd: 0, n: 1 },
  bestTestAccuracy: { mean: 0.9, sd: 0, n: 1 },
  topEigenvalue: { mean: 5, sd: 0, n: 1 },
  rIg: { mean: 1e-5, sd: 0, n: 1 },
  finalTrainLoss: 0.1234,
  evaluationsPerStep: { gradient: 1, doubleBackprop: 0 },
  curve: [],
  ...extra,
});

describe('describe', () => {
  it('states the data, model, steps, seeds and timing of a configuration', () => {
    const text = describeConfig(DEFAULT_CONFIG);
    expect(text).toContain('1000 training and 3000 test digits');
    expect(text).toContain('784-64-10 ReLU MLP, batch 50, 12 epochs (240 steps)');
    expect(text).toContain('seeds: 1..5');
    expect(text).toContain('; clean labels');
    expect(describeConfig({ ...DEFAULT_CONFIG, labelNoise: 0.4 }, true)).toContain(', 40% label noise, ');
    expect(text).toContain('5 warm-up + 60 interleaved rounds');
    expect(describeConfig(DEFAULT_CONFIG, true)).toBe(
      '1000 train / 3000 test digits, clean labels, 784-64-10 ReLU MLP, batch 50, 12 epochs (240 steps)',
    );
  });

  it('lists each method with its hyperparameters and paper', () => {
    const lines = describeMethods([ADAM, SAM], DEFAULT_HYPERPARAMETERS).split('\n');
    expect(lines).toEqual([
      'methods (hyperparameters; paper):',
      '  Adam      lr 0.001                 Kingma & Ba, ICLR 2015',
      '  Adam+SAM  Adam lr 0.001; rho 0.05  Foret et al., ICLR 2021',
    ]);
  });

  it('says how often flooding ascended, next to the level and Adam’s final loss; nothing without flooding', () => {
    const rows = [summary('adam', 'Adam'), summary('flood', 'Adam+flooding', { floodAscentFraction: 0.254 })];
    expect(floodingNote(rows, DEFAULT_HYPERPARAMETERS)).toBe(
      "flooding: level b = 0.2; Adam's final training loss 0.1234; steps that ascended (minibatch loss < b): Adam+flooding 25%",
    );
    expect(floodingNote([summary('adam', 'Adam')], DEFAULT_HYPERPARAMETERS)).toBeUndefined();
    expect(floodingNote([rows[1]], DEFAULT_HYPERPARAMETERS)).not.toContain('final training loss');
    expect(FLOODING.settings(DEFAULT_HYPERPARAMETERS)).toBe('Adam lr 0.001; level 0.2');
  });
});
