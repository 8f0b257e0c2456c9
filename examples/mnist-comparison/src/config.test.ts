import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, FULL_CONFIG, stepsPerEpoch, totalSteps, validateConfig } from './config';

describe('config', () => {
  it('counts whole minibatches: 1000 digits in batches of 50 are 20 steps an epoch', () => {
    expect(stepsPerEpoch(DEFAULT_CONFIG)).toBe(20);
    expect(totalSteps(DEFAULT_CONFIG)).toBe(20 * DEFAULT_CONFIG.epochs);
    expect(stepsPerEpoch({ ...DEFAULT_CONFIG, batch: 64 })).toBe(15);
  });

  it('has presets that fit loadDigits (≤ 863 digits per class) and time with ≥ 20 rounds', () => {
    for (const c of [DEFAULT_CONFIG, FULL_CONFIG]) {
      expect(validateConfig(c)).toBe(c);
      expect(c.trainPerDigit + c.testPerDigit).toBeLessThanOrEqual(863);
      expect(c.timingRounds).toBeGreaterThanOrEqual(20);
    }
    expect(FULL_CONFIG.trainPerDigit * FULL_CONFIG.epochs).toBeGreaterThan(
      DEFAULT_CONFIG.trainPerDigit * DEFAULT_CONFIG.epochs,
    );
    expect(FULL_CONFIG.seeds).toBeGreaterThanOrEqual(DEFAULT_CONFIG.seeds);
  });

  it('refuses a configuration that cannot run, naming the field', () => {
    expect(() => validateConfig({ ...DEFAULT_CONFIG, seeds: 0 })).toThrow(
      'config.seeds must be an integer ≥ 1; got 0',
    );
    expect(() => validateConfig({ ...DEFAULT_CONFIG, epochs: 1.5 })).toThrow(
      'config.epochs must be an integer ≥ 1',
    );
    expect(() => validateConfig({ ...DEFAULT_CONFIG, timingWarmup: -1 })).toThrow(
      'config.timingWarmup must be an integer ≥ 0; got -1',
    );
    expect(() => validateConfig({ ...DEFAULT_CONFIG, trainPerDigit: 2, batch: 21 })).toThrow(
      'config.batch (21) exceeds the 20 training digits',
    );
  });
});
