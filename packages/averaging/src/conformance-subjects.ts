import type { ConformanceSubject } from '@flatopt/core/testing';
import { ema } from './ema';
import { lookahead } from './lookahead';
import { swa } from './swa';

// Settings that act within the kit's runs (its resume check steps 5 times, saves, steps 5 more; its
// non-finite check puts a NaN step at iteration 0 and at iteration 3): averages start late and
// skip steps, so the first averaged step, later ones and skipped ones all meet the checks.
export const EMA = { decay: 0.9, start: 1, every: 2 } as const;
export const SWA = { start: 2, every: 1 } as const;
export const LOOKAHEAD = { k: 3, alpha: 0.5 } as const;

/**
 * What @flatopt/averaging hands the conformance kit, on every backend lane. EMA and SWA never
 * change the training trajectory, so their active settings are their neutral ones: the kit then
 * checks that the weights and the wrapped optimizer's state stay the bare optimizer's bit for bit.
 * Lookahead's neutral setting is α = 1 (φ ← θ, θ unchanged).
 */
export const conformanceSubjects: ConformanceSubject[] = [
  { name: 'ema', create: () => ema(EMA), neutral: () => ema(EMA) },
  { name: 'swa', create: () => swa(SWA), neutral: () => swa(SWA) },
  {
    name: 'lookahead',
    create: () => lookahead(LOOKAHEAD),
    neutral: () => lookahead({ ...LOOKAHEAD, alpha: 1 }),
  },
];
