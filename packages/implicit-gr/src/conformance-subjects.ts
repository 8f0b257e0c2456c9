import type { ConformanceSubject } from '@flatopt/core/testing';
import { explicitIgr } from './explicit-igr';
import { igrMonitor } from './monitor';

/** What the monitor and explicit IGR hand the conformance kit, on every backend lane. */
export const conformanceSubjects: ConformanceSubject[] = [
  // The monitor only observes: its active settings are its neutral ones.
  { name: 'igrMonitor', create: () => igrMonitor(), neutral: () => igrMonitor() },
  { name: 'igrMonitor every 2', create: () => igrMonitor({ every: 2, learningRate: 0.05 }) },
  { name: 'explicitIgr', create: () => explicitIgr({ mu: 2 }), neutral: () => explicitIgr({ mu: 0 }) },
];
