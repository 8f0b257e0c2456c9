import { warmupCosine } from '@flatopt/core';
import type { ConformanceSubject } from '@flatopt/core/testing';
import { clipByGlobalNorm, clipByValue } from './clip';
import { learningRate } from './learning-rate';

// Settings that act within the kit's runs (10 steps for its resume check). Its mlpProblem starts
// with ‖∇L‖ ≈ 0.50, and its gradient entries have median magnitude ≈ 0.02 and maximum ≈ 0.08.
// Measured over 10 clipped steps (conformance-clip.test.ts checks it): maxNorm 0.35 clips all 10
// of SGD(0.1)'s steps and the first 7 of Adam(0.01)'s, so both branches run; limit 0.02 clips
// entries of the first gradient. 1e30 clips nothing, and an unclipped gradient must pass bit for bit.
export const MAX_NORM = 0.35;
export const LIMIT = 0.02;
const NOTHING = 1e30;

/** A warm-up and cosine decay that changes the rate on every step of the kit's 10-step runs. */
export const SCHEDULE = warmupCosine({ initial: 0.01, peak: 0.05, warmup: 3, total: 12, final: 0.001 });

/**
 * What the clipping plugins and learningRate hand the conformance kit. learningRate has no
 * neutral setting: the kit wraps sgd(0.1) and adam(0.01), and no one schedule equals both rates.
 */
export const clipConformanceSubjects: ConformanceSubject[] = [
  {
    name: 'clipByGlobalNorm',
    create: () => clipByGlobalNorm({ maxNorm: MAX_NORM }),
    neutral: () => clipByGlobalNorm({ maxNorm: NOTHING }),
  },
  {
    name: 'clipByValue',
    create: () => clipByValue({ limit: LIMIT }),
    neutral: () => clipByValue({ limit: NOTHING }),
  },
  { name: 'learningRate', create: () => learningRate({ schedule: SCHEDULE }) },
];
