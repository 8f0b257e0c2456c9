import type { ConformanceSubject } from '@flatopt/core/testing';
import { flooding, type FloodingOptions } from './flooding';

// Active levels sit inside the range the kit's problems cross (their loss starts at 1.1–1.2 and
// their per-example losses spread over 0.2–1.9), so some steps (examples) ascend and some descend;
// conformance.test.ts checks that. b = 0 is the neutral setting: plain training for L ≥ 0.
export const BATCH: FloodingOptions = { level: 1.1 };
export const EXAMPLE: FloodingOptions = { level: 0.8, granularity: 'example' };

/** What flooding hands the conformance kit, on every backend lane. */
export const conformanceSubjects: ConformanceSubject[] = [
  { name: 'flooding batch', create: () => flooding(BATCH), neutral: () => flooding({ level: 0 }) },
  {
    name: 'flooding example',
    create: () => flooding(EXAMPLE),
    neutral: () => flooding({ level: 0, granularity: 'example' }),
    loss: 'perExample',
    layers: false, // tfjs-layers hands the optimizer a scalar loss
  },
];
