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
  conformanceCases,
  useBackend,
} from './index';
import { registerPlugin } from '../registry';
import type { Plugin } from '../types';

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

describe('subjects that apply one call in k, and checks that do not apply', () => {
  beforeAll(() => useBackend('cpu'));
  // An update every other call, with no state to save: enough to meet every check but the resume
  // check's iteration count, which the kit must then expect to be calls / 2.
  const everyOther = (): Plugin => {
    let calls = 0;
    return {
      name: 'everyOther',
      apply: (_ctx, grads, next) => (calls++ % 2 === 1 ? next(grads) : undefined),
      getConfig: () => ({}),
    };
  };

  registerPlugin('everyOther', () => everyOther());

  it('counts iterations per update: wrong without callsPerUpdate, right with it', async () => {
    // 6 calls before the save: 3 updates, and a window that closes exactly (stateless plugin).
    await expect(checkResume({ name: 'everyOther', create: everyOther }, 'sgd', 6)).rejects.toThrow(
      'iterations after setWeights: 3, expected 6 (6 calls).',
    );
    await checkResume({ name: 'everyOther', create: everyOther, callsPerUpdate: 2 }, 'sgd', 6);
  });

  it('marks not-applicable checks with their reason and refuses a name that is no check', () => {
    const reason = 'by design';
    const check = "a non-finite step leaves no trace (finiteCheck 'device')";
    const cases = conformanceCases({ name: 's', create: everyOther, notApplicable: { [check]: reason } });
    expect(cases.filter((c) => c.skip !== undefined).map((c) => [c.name, c.skip])).toEqual(
      ['cpu', 'wasm'].flatMap((b) => ['sgd', 'adam'].map((o) => [`s [${b}, ${o}] ${check}`, reason])),
    );
    expect(() =>
      conformanceCases({ name: 's', create: everyOther, notApplicable: { 'no such check': reason } }),
    ).toThrow(
      /s: notApplicable names 'no such check', which is not a check of the kit \('neutral settings|s: notApplicable names 'no such check', which is not a check of the kit \('probes/,
    );
  });
});
