import type { ConformanceSubject } from '@flatopt/core/testing';
import { accumulate } from './accumulate';
import { decoupledWeightDecay } from './weight-decay';

/** accumulate's window in the kit: 3, so its save/load check (2 calls, save, more) resumes mid-window. */
export const ACCUMULATE_STEPS = 3;

/** What the kit needs to know of accumulate: an update every 3 calls, and one check that cannot hold. */
const ACCUMULATING = {
  callsPerUpdate: ACCUMULATE_STEPS,
  notApplicable: {
    "a non-finite step leaves no trace (finiteCheck 'device')":
      'under the device check a non-finite micro-step is undone on the device but still counts in the window, ' +
      "which the host closes without a read; accumulate.test.ts 'device finite check' tests what holds instead " +
      '(no finite micro-step is lost, the iteration count is kept).',
  },
} as const;

/**
 * What decoupledWeightDecay and accumulate hand the conformance kit. Neutral settings: rate 0
 * and steps 1, each the wrapped optimizer bit for bit. The stack of both (decay inner to
 * accumulate, the documented order) meets the kit's checks too.
 */
export const decayAccumulateConformanceSubjects: ConformanceSubject[] = [
  {
    name: 'decoupledWeightDecay',
    create: () => decoupledWeightDecay({ rate: 0.1, include: 'all' }),
    neutral: () => decoupledWeightDecay({ rate: 0 }),
  },
  {
    name: 'decoupledWeightDecay (weights)',
    create: () => decoupledWeightDecay({ rate: 0.1 }),
  },
  {
    name: 'accumulate',
    create: () => accumulate({ steps: ACCUMULATE_STEPS }),
    neutral: () => accumulate({ steps: 1 }),
    ...ACCUMULATING,
  },
  {
    name: 'accumulate + decoupledWeightDecay',
    create: () => [accumulate({ steps: ACCUMULATE_STEPS }), decoupledWeightDecay({ rate: 0.1 })],
    neutral: () => [accumulate({ steps: 1 }), decoupledWeightDecay({ rate: 0 })],
    ...ACCUMULATING,
  },
];
