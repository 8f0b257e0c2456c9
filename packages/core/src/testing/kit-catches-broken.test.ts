import '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  forgetsConfig,
  forgetsState,
  leaky,
  noRestore,
  notNeutral,
  primaryDisplaced,
} from '../__fixtures__/reference-plugins';
import {
  checkConfigRoundTrip,
  checkLayers,
  checkNeutral,
  checkNoLeaks,
  checkProbeRestore,
  checkResume,
  ConformanceError,
  useBackend,
} from './index';

// The kit is only worth something if it fails: each deliberately broken plugin must be caught
// by the check for the invariant it breaks, with a message that says what went wrong.
describe('the conformance kit fails on broken plugins', () => {
  beforeAll(() => useBackend('cpu'));

  it('catches a leak of one tensor per step', async () => {
    const run = checkNoLeaks({ name: 'leaky', create: leaky }, 'sgd', 50);
    await expect(run).rejects.toThrow(ConformanceError);
    await expect(checkNoLeaks({ name: 'leaky', create: leaky }, 'sgd', 50)).rejects.toThrow(
      /numTensors grew by 50 \(1\.00 per step\)/,
    );
  });

  it('catches weights left displaced by the evaluate stage', async () => {
    await expect(checkProbeRestore({ name: 'noRestore', create: noRestore }, 'adam')).rejects.toThrow(
      /weights after the evaluate stage of step 1: tensor #0 differs/,
    );
  });

  it('catches "neutral" settings that are not bit-identical to the bare optimizer', async () => {
    const subject = { name: 'notNeutral', create: notNeutral, neutral: notNeutral };
    await expect(checkNeutral(subject, 'sgd')).rejects.toThrow(/weights after step 1: tensor w1 differs/);
  });

  it('catches a config that does not survive the round trip', async () => {
    const subject = { name: 'forgetsConfig', create: () => forgetsConfig({ strength: 3 }) };
    await expect(checkConfigRoundTrip(subject, 'sgd')).rejects.toThrow(/"strength":3.*\n.*"strength":1/);
  });

  it('catches state that setWeights does not restore', async () => {
    await expect(checkResume({ name: 'forgetsState', create: forgetsState }, 'sgd')).rejects.toThrow(
      /weights after 5 resumed steps: tensor #0 differs/,
    );
  });

  it('catches a loss reported from displaced weights under fit', async () => {
    await expect(
      checkLayers({ name: 'primaryDisplaced', create: primaryDisplaced }, 'sgd', 'fit'),
    ).rejects.toThrow(/reported \[loss, accuracy, mse\] at step 1/);
  });
});
